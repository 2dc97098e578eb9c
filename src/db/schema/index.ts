export * from "./core";
export * from "./palletways";
export * from "./upn";
export * from "./hazchem";
export * from "./console";
export * from "./attention";
export * from "./upn-raw";
export * from "./pulls";

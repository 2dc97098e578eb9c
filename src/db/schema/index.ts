export * from "./core";
export * from "./palletways";
export * from "./upn";
export * from "./hazchem";
export * from "./upn-raw";

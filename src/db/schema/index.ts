export * from "./core";
export * from "./console";
export * from "./attention";
export * from "./pulls";

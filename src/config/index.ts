/** Configuration: the file (./file.ts) and each area's section. The `aws:` section is ./aws.ts. */
export { configPath, readConfigFile, parseSection, fromEnvReference, EX_CONFIG, type ConfigDocument, type Env } from "./file.ts";
export { awsSection, awsOptionsFrom, loadAwsOptions, type AwsFlags, type AwsSection } from "./aws.ts";

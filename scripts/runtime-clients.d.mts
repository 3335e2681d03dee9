export interface BuildTool {
  command: string;
  apt: string;
  majors: string[];
}
export const RUNTIME_MAJORS: string[];
export const NATIVE_CLIENT_TESTS: string[];
export function missingTools(major: string): BuildTool[];
export function aptCommand(tools: BuildTool[]): string;
export function runtimeDir(major: string): string;
export function ricDir(major: string): string;
export function wantedVersion(major: string): string;
export function javascriptReady(major: string): boolean;
export function nativeClient(major: string): string | undefined;
export function nativeReady(major: string, node: string): boolean;

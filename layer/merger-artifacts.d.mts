export const ROOT: string;
export const MERGER_LAYER_NAME: string;
export const MERGER_LAYER_FILE: string;
export interface MergerArtifacts {
  zipPath: string;
  templatePath: string;
  size: number;
  sha256: string;
  parameters: string[];
}
export function buildMergerArtifacts(options?: { root?: string; outDir?: string }): MergerArtifacts;

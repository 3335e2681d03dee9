export const SEGMENTS_PER_TRACE: number;
/** One Lambda trace as `BatchGetTraces` returns it: `Segments[].Document` JSON text. */
export function lambdaTrace(index: number): {
  Id: string;
  Segments: Array<{ Id: string; Document: string }>;
};

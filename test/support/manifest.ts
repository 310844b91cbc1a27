// Pieces of the draft manifests the tests register.

/** A contest of a draft manifest (SPEC §3), its options titled by their ids. */
export function contest(
  contestId: string,
  title: string,
  optionIds: readonly string[],
  minSelections: number,
  maxSelections: number,
): {
  contestId: string;
  title: string;
  options: { optionId: string; title: string }[];
  minSelections: number;
  maxSelections: number;
} {
  return {
    contestId,
    title,
    options: optionIds.map((o) => ({ optionId: o, title: o })),
    minSelections,
    maxSelections,
  };
}

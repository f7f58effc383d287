// The 24-week "PyTorch Zero to Hero" syllabus as the seed document stages it
// (../shared/seed/bootcamp-docker-images.md): which environment each week starts.

export interface TemplateWeek {
  number: number;
  title: string;
  environment: string;
}

const stages = [
  { from: 1, to: 6, environment: "python", title: "Fundamentos Python/NumPy" },
  { from: 7, to: 12, environment: "pytorch", title: "PyTorch" },
  { from: 13, to: 18, environment: "pytorch", title: "PyTorch avanzado" },
  { from: 19, to: 24, environment: "pytorch-nlp", title: "NLP" },
] as const;

export const BOOTCAMP_WEEKS: readonly TemplateWeek[] = stages.flatMap((stage) =>
  Array.from({ length: stage.to - stage.from + 1 }, (_, i) => ({
    number: stage.from + i,
    title: `Week ${stage.from + i} · ${stage.title}`,
    environment: stage.environment,
  })),
);

export function environmentForWeek(week: number): string | undefined {
  return BOOTCAMP_WEEKS.find((w) => w.number === week)?.environment;
}

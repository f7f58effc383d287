import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

export type Db = PrismaClient;

export interface CreateDbOptions {
  url: string;
  /** Pool size; the api and worker are I/O bound and rarely need more than a handful. */
  max?: number;
}

/** The one place that constructs a Prisma client. Everything else receives it. */
export function createDb({ url, max = 10 }: CreateDbOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, max });
  return new PrismaClient({ adapter });
}

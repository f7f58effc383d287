export { createDb, type Db, type CreateDbOptions } from "./client";
export { runMigrations, defaultMigrationsDir, type MigrationResult, type RunMigrationsOptions } from "./migrate";
export { createTestDatabase, dropTestTemplate, prepareTestTemplate, TEST_TEMPLATE_DB, type TestDatabase } from "./test-database";
export { isDatabaseUnavailable, isUniqueViolation } from "./errors";
export * from "./generated/enums";
export { Prisma } from "./generated/client";
export type * from "./generated/models";

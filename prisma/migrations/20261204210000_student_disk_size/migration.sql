-- A student's disk size (AULA_VOLUME_MODE=disk): per course, per user override, and the size a
-- server was started with. Null: the deployment's default (AULA_STUDENT_DISK_MB).
ALTER TABLE "QuotaPolicy" ADD COLUMN "diskMb" INTEGER;
ALTER TABLE "QuotaPolicy" ADD CONSTRAINT "QuotaPolicy_diskMb_check" CHECK ("diskMb" IS NULL OR "diskMb" BETWEEN 32 AND 4194304);
ALTER TABLE "QuotaOverride" ADD COLUMN "diskMb" INTEGER;
ALTER TABLE "QuotaOverride" ADD CONSTRAINT "QuotaOverride_diskMb_check" CHECK ("diskMb" IS NULL OR "diskMb" BETWEEN 32 AND 4194304);
ALTER TABLE "Server" ADD COLUMN "diskMb" INTEGER;

-- Initial schema. Written by hand in Prisma's style (Prisma's migrate engine cannot run on our
-- build machines); packages/db/src/schema-agreement.test.ts checks it against schema.prisma.

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'INSTRUCTOR', 'STUDENT');
CREATE TYPE "CourseRole" AS ENUM ('STUDENT', 'INSTRUCTOR');
CREATE TYPE "MaterialKind" AS ENUM ('TEORIA', 'PRACTICAS');
CREATE TYPE "GpuRequirement" AS ENUM ('NONE', 'OPTIONAL', 'REQUIRED');
CREATE TYPE "BuildStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'UNCHANGED', 'FAILED');
CREATE TYPE "ServerStatus" AS ENUM ('QUEUED', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED');
CREATE TYPE "GpuRequest" AS ENUM ('NONE', 'REQUIRED', 'PREFERRED');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "username" VARCHAR(32) NOT NULL,
    "displayName" VARCHAR(200) NOT NULL,
    "email" VARCHAR(320),
    "role" "Role" NOT NULL,
    "passwordHash" TEXT,
    "passwordChangedAt" TIMESTAMP(3),
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id"),
    -- Usernames become container names and URL segments: lowercase letters, digits, '-', '_'.
    CONSTRAINT "User_username_check" CHECK ("username" ~ '^[a-z][a-z0-9_-]{1,31}$')
);

CREATE TABLE "Session" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "ip" TEXT,
    "userAgent" TEXT,
    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Course" (
    "id" UUID NOT NULL,
    "slug" VARCHAR(64) NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "archivedAt" TIMESTAMP(3),
    CONSTRAINT "Course_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Course_slug_check" CHECK ("slug" ~ '^[a-z0-9][a-z0-9-]{0,63}$')
);

CREATE TABLE "Enrollment" (
    "id" UUID NOT NULL,
    "courseId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "role" "CourseRole" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removedAt" TIMESTAMP(3),
    CONSTRAINT "Enrollment_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Week" (
    "id" UUID NOT NULL,
    "courseId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "environmentId" UUID,
    "releaseAt" TIMESTAMP(3),
    "releasedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Week_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Week_number_check" CHECK ("number" BETWEEN 1 AND 104)
);

CREATE TABLE "WeekMaterial" (
    "id" UUID NOT NULL,
    "weekId" UUID NOT NULL,
    "kind" "MaterialKind" NOT NULL,
    "path" VARCHAR(512) NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "uploadedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WeekMaterial_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Environment" (
    "id" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "stage" VARCHAR(100) NOT NULL,
    "weeksLabel" VARCHAR(100) NOT NULL DEFAULT '',
    "gpu" "GpuRequirement" NOT NULL DEFAULT 'NONE',
    "gpuShare" INTEGER NOT NULL DEFAULT 1,
    "defaultCpus" DOUBLE PRECISION NOT NULL DEFAULT 4,
    "defaultMemoryMb" INTEGER NOT NULL DEFAULT 8192,
    "defaultShmMb" INTEGER NOT NULL DEFAULT 2048,
    "targetSizeMb" INTEGER,
    "recipe" VARCHAR(32),
    "publishedImage" TEXT,
    "publishedImageId" TEXT,
    "publishedBuildId" UUID,
    "publishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Environment_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Environment_gpuShare_check" CHECK ("gpuShare" BETWEEN 1 AND 64)
);

CREATE TABLE "ImageBuild" (
    "id" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "status" "BuildStatus" NOT NULL DEFAULT 'QUEUED',
    "recipe" VARCHAR(32) NOT NULL,
    "contentHash" VARCHAR(64) NOT NULL,
    "imageTag" TEXT NOT NULL,
    "imageId" TEXT,
    "sizeBytes" BIGINT,
    "layerCount" INTEGER,
    "durationMs" INTEGER,
    "cachedSteps" INTEGER,
    "totalSteps" INTEGER,
    "log" TEXT NOT NULL DEFAULT '',
    "error" TEXT,
    "requestedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    CONSTRAINT "ImageBuild_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Server" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "courseId" UUID NOT NULL,
    "weekId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "image" TEXT NOT NULL,
    "status" "ServerStatus" NOT NULL DEFAULT 'QUEUED',
    "gpuRequest" "GpuRequest" NOT NULL DEFAULT 'NONE',
    "cpuFallback" BOOLEAN NOT NULL DEFAULT false,
    "usesGpu" BOOLEAN NOT NULL DEFAULT false,
    "containerId" TEXT,
    "containerName" TEXT NOT NULL,
    "hostPort" INTEGER,
    "token" TEXT NOT NULL,
    "cpus" DOUBLE PRECISION NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "shmMb" INTEGER NOT NULL,
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "readyAt" TIMESTAMP(3),
    "stoppedAt" TIMESTAMP(3),
    "lastActivityAt" TIMESTAMP(3),
    "cullWarnedAt" TIMESTAMP(3),
    "stopReason" TEXT,
    "failureReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Server_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Gpu" (
    "id" UUID NOT NULL,
    "uuid" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "parentUuid" TEXT,
    "present" BOOLEAN NOT NULL DEFAULT true,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Gpu_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "GpuAllocation" (
    "id" UUID NOT NULL,
    "gpuId" UUID NOT NULL,
    "slot" INTEGER NOT NULL DEFAULT 0,
    "serverId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "courseId" UUID NOT NULL,
    "allocatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMP(3),
    "releaseReason" TEXT,
    CONSTRAINT "GpuAllocation_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "GpuAllocation_slot_check" CHECK ("slot" >= 0),
    CONSTRAINT "GpuAllocation_interval_check" CHECK ("releasedAt" IS NULL OR "releasedAt" >= "allocatedAt")
);

CREATE TABLE "QuotaPolicy" (
    "id" UUID NOT NULL,
    "courseId" UUID NOT NULL,
    "maxServers" INTEGER NOT NULL DEFAULT 1,
    "cpus" DOUBLE PRECISION,
    "memoryMb" INTEGER,
    "gpuHoursPerWeek" DOUBLE PRECISION,
    "idleTimeoutS" INTEGER NOT NULL DEFAULT 3600,
    "maxAgeS" INTEGER NOT NULL DEFAULT 28800,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "QuotaPolicy_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "QuotaOverride" (
    "id" UUID NOT NULL,
    "courseId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "maxServers" INTEGER,
    "cpus" DOUBLE PRECISION,
    "memoryMb" INTEGER,
    "gpuHoursPerWeek" DOUBLE PRECISION,
    "idleTimeoutS" INTEGER,
    "maxAgeS" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "QuotaOverride_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "GpuHourGrant" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "courseId" UUID NOT NULL,
    "weekStart" TIMESTAMP(3) NOT NULL,
    "hours" DOUBLE PRECISION NOT NULL,
    "reason" TEXT NOT NULL,
    "grantedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "GpuHourGrant_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "GpuHourGrant_hours_check" CHECK ("hours" > 0 AND "hours" <= 1000)
);

CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" UUID,
    "action" VARCHAR(100) NOT NULL,
    "targetType" VARCHAR(50),
    "targetId" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "ip" TEXT,
    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");
CREATE INDEX "Session_userId_idx" ON "Session"("userId");
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");
CREATE UNIQUE INDEX "Course_slug_key" ON "Course"("slug");
CREATE UNIQUE INDEX "Enrollment_courseId_userId_key" ON "Enrollment"("courseId", "userId");
CREATE INDEX "Enrollment_userId_idx" ON "Enrollment"("userId");
CREATE UNIQUE INDEX "Week_courseId_number_key" ON "Week"("courseId", "number");
CREATE UNIQUE INDEX "WeekMaterial_weekId_kind_path_key" ON "WeekMaterial"("weekId", "kind", "path");
CREATE UNIQUE INDEX "Environment_name_key" ON "Environment"("name");
CREATE INDEX "ImageBuild_environmentId_createdAt_idx" ON "ImageBuild"("environmentId", "createdAt");
CREATE INDEX "Server_userId_createdAt_idx" ON "Server"("userId", "createdAt");
CREATE INDEX "Server_status_queuedAt_idx" ON "Server"("status", "queuedAt");
CREATE UNIQUE INDEX "Gpu_uuid_key" ON "Gpu"("uuid");
CREATE INDEX "GpuAllocation_userId_allocatedAt_idx" ON "GpuAllocation"("userId", "allocatedAt");
CREATE INDEX "GpuAllocation_courseId_allocatedAt_idx" ON "GpuAllocation"("courseId", "allocatedAt");
CREATE UNIQUE INDEX "QuotaPolicy_courseId_key" ON "QuotaPolicy"("courseId");
CREATE UNIQUE INDEX "QuotaOverride_courseId_userId_key" ON "QuotaOverride"("courseId", "userId");
CREATE INDEX "GpuHourGrant_userId_weekStart_idx" ON "GpuHourGrant"("userId", "weekStart");
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");
CREATE INDEX "AuditEvent_actorId_at_idx" ON "AuditEvent"("actorId", "at");

-- Guards Prisma's schema language cannot express. These do the locking, not application code.
CREATE UNIQUE INDEX "ImageBuild_one_active_per_environment" ON "ImageBuild"("environmentId")
    WHERE "status" IN ('QUEUED', 'RUNNING');
CREATE UNIQUE INDEX "Server_one_active_per_user" ON "Server"("userId")
    WHERE "status" IN ('QUEUED', 'STARTING', 'RUNNING', 'STOPPING');
CREATE UNIQUE INDEX "GpuAllocation_one_holder_per_slot" ON "GpuAllocation"("gpuId", "slot")
    WHERE "releasedAt" IS NULL;
CREATE UNIQUE INDEX "GpuAllocation_one_per_server" ON "GpuAllocation"("serverId")
    WHERE "releasedAt" IS NULL;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Enrollment" ADD CONSTRAINT "Enrollment_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Enrollment" ADD CONSTRAINT "Enrollment_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Week" ADD CONSTRAINT "Week_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Week" ADD CONSTRAINT "Week_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "WeekMaterial" ADD CONSTRAINT "WeekMaterial_weekId_fkey" FOREIGN KEY ("weekId") REFERENCES "Week"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WeekMaterial" ADD CONSTRAINT "WeekMaterial_uploadedById_fkey" FOREIGN KEY ("uploadedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "ImageBuild" ADD CONSTRAINT "ImageBuild_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ImageBuild" ADD CONSTRAINT "ImageBuild_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Server" ADD CONSTRAINT "Server_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Server" ADD CONSTRAINT "Server_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Server" ADD CONSTRAINT "Server_weekId_fkey" FOREIGN KEY ("weekId") REFERENCES "Week"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Server" ADD CONSTRAINT "Server_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GpuAllocation" ADD CONSTRAINT "GpuAllocation_gpuId_fkey" FOREIGN KEY ("gpuId") REFERENCES "Gpu"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GpuAllocation" ADD CONSTRAINT "GpuAllocation_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "Server"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GpuAllocation" ADD CONSTRAINT "GpuAllocation_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GpuAllocation" ADD CONSTRAINT "GpuAllocation_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "QuotaPolicy" ADD CONSTRAINT "QuotaPolicy_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "QuotaOverride" ADD CONSTRAINT "QuotaOverride_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "QuotaOverride" ADD CONSTRAINT "QuotaOverride_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GpuHourGrant" ADD CONSTRAINT "GpuHourGrant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GpuHourGrant" ADD CONSTRAINT "GpuHourGrant_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GpuHourGrant" ADD CONSTRAINT "GpuHourGrant_grantedById_fkey" FOREIGN KEY ("grantedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

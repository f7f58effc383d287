import { z } from "zod";

// Every string that reaches the API has a ceiling: a 10,000-character username is a 400, never
// a 500 from a column that is too short or an argon2 hash of a megabyte.

/** Usernames double as container and URL names, hence the same rule as the database CHECK. */
export const USERNAME_PATTERN = /^[a-z][a-z0-9_-]{1,31}$/;

export const Username = z
  .string()
  .max(32)
  .regex(USERNAME_PATTERN, "Use 2-32 characters: lowercase letters, digits, '-' or '_', starting with a letter.");

export const DisplayName = z.string().trim().min(1).max(200);
export const Email = z.email().max(320);
export const Password = z.string().min(10, "Use at least 10 characters.").max(256);

/** Opaque pagination cursor: clients pass back what the previous page returned. */
export const Cursor = z.string().min(1).max(200);
export const PageLimit = z.coerce.number().int().min(1).max(100).default(50);

export const Timestamp = z.iso.datetime();

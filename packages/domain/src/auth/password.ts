import { randomInt } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

// argon2id with OWASP's 2023 minimum (19 MiB, 2 passes, 1 lane); @node-rs/argon2 defaults to
// the argon2id variant. About 30 ms per hash on the 2-core build machines, off the event loop.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password and for a hash that cannot be read (never throws on bad input). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same argon2 work as a real check, for users that do not exist or have no password,
 * so response time does not tell an attacker which usernames exist.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword(generatePassword());
  await verifyPassword(await dummyHash, password);
}

// No 0/O, 1/l/I: generated passwords are read aloud in class and typed from paper.
const ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** 16 characters from a 56-symbol alphabet: about 93 bits. */
export function generatePassword(length = 16): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

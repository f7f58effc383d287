import { describe, expect, it } from "vitest";
import { burnPasswordCheck, generatePassword, hashPassword, verifyPassword } from "./password";

describe("passwords", () => {
  it("hashes with argon2id and a fresh salt each time", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, "correct horse battery")).toBe(true);
    expect(await verifyPassword(a, "correct horse batterz")).toBe(false);
  });

  it("treats an unreadable hash as a wrong password instead of throwing", async () => {
    expect(await verifyPassword("not-a-hash", "anything")).toBe(false);
    await expect(burnPasswordCheck("anything")).resolves.toBeUndefined();
  });

  it("generates passwords without look-alike characters", () => {
    const passwords = Array.from({ length: 50 }, () => generatePassword());
    for (const p of passwords) expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{16}$/);
    expect(new Set(passwords).size).toBe(passwords.length);
  });
});

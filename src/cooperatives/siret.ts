/**
 * SIRET: 14 digits, the SIREN of the company (9 digits) then the establishment number (NIC, 5
 * digits). Both carry a Luhn key: the SIREN on its own 9 digits, the SIRET on all 14. La Poste's
 * establishments (SIREN 356000000, itself Luhn-valid) are numbered past what a Luhn key allows:
 * their SIRET's digit sum is a multiple of 5 instead (except the head office, 35600000000048,
 * which follows Luhn).
 */
export const LA_POSTE_SIREN = "356000000";

export function normalizeSiret(input: string): string {
  return input.replace(/[\s.-]/g, "");
}

export function isValidSiren(input: string): boolean {
  const siren = normalizeSiret(input);
  return /^\d{9}$/.test(siren) && luhn(siren);
}

/** Both keys: the SIREN's and the SIRET's (or La Poste's rule). */
export function isValidSiret(input: string): boolean {
  return siretProblem(input) === null;
}

/** What is wrong with a SIRET, in words, or null. */
export function siretProblem(input: string): string | null {
  const siret = normalizeSiret(input);
  if (!/^\d{14}$/.test(siret)) return "must be 14 digits";
  if (!isValidSiren(siret.slice(0, 9))) return "its SIREN (first 9 digits) has a wrong Luhn key";
  if (siret.startsWith(LA_POSTE_SIREN) && siret !== "35600000000048") {
    const sum = [...siret].reduce((acc, d) => acc + Number(d), 0);
    return sum % 5 === 0 ? null : "has a wrong key (La Poste's establishments: digit sum a multiple of 5)";
  }
  return luhn(siret) ? null : "has a wrong Luhn key";
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Completes digits with the Luhn key digit: 8 digits give a SIREN, 13 digits a SIRET. */
export function withLuhnKey(digits: string): string {
  for (let d = 0; d <= 9; d++) if (luhn(digits + d)) return digits + d;
  throw new Error("unreachable");
}

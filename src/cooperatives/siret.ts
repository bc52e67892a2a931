/**
 * SIRET: 14 digits (SIREN + establishment number) whose Luhn sum is a multiple of 10. La Poste's
 * establishments (SIREN 356000000) follow their own rule: the digit sum is a multiple of 5.
 */
export function normalizeSiret(input: string): string {
  return input.replace(/[\s.-]/g, "");
}

export function isValidSiret(input: string): boolean {
  const siret = normalizeSiret(input);
  if (!/^\d{14}$/.test(siret)) return false;
  if (siret.startsWith("356000000") && siret !== "35600000000048") {
    const sum = [...siret].reduce((acc, d) => acc + Number(d), 0);
    return sum % 5 === 0;
  }
  return luhn(siret);
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

/** Completes 13 digits with the Luhn key digit: used to make demo SIRETs that check. */
export function withLuhnKey(thirteen: string): string {
  for (let d = 0; d <= 9; d++) if (luhn(thirteen + d)) return thirteen + d;
  throw new Error("unreachable");
}

import type { MailMessage } from "../mail/mailer";

/**
 * The mails of the sign-up flow. The token travels in the link's fragment (after `#`): browsers
 * send a fragment neither to the server that serves the page nor in a Referer header.
 */
export function verificationMail(to: string, name: string, appUrl: string, token: string, hours: number): MailMessage {
  return {
    to,
    subject: "Confirm your e-mail address for Scopgraph",
    text: [
      `Hello ${name},`,
      "",
      "To finish opening your Scopgraph account, confirm that this address is yours:",
      `${appUrl}/verify-email#token=${token}`,
      "",
      `Or give this code to the verifyEmail mutation: ${token}`,
      "",
      `The link works once and expires in ${hours} hours. Until then your account can sign in but do nothing else.`,
      "If you did not ask for an account, ignore this mail: nothing will be done with this address.",
    ].join("\n"),
  };
}

/** Sent instead of a second account: the sign-up answer itself never says the address is taken. */
export function alreadyRegisteredMail(to: string, appUrl: string): MailMessage {
  return {
    to,
    subject: "You already have a Scopgraph account",
    text: [
      "Hello,",
      "",
      "Someone (probably you) asked to open a Scopgraph account with this address, but it already has one.",
      `Sign in instead: ${appUrl}/`,
      "",
      "No second account was opened. If this was not you, you can ignore this mail; your account is unchanged.",
    ].join("\n"),
  };
}

import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

interface Waiter {
  accept: (mail: ParsedMail) => boolean;
  resolve: (mail: ParsedMail) => void;
}

/**
 * A real SMTP server in the test process (smtp-server), on the loopback: it accepts every mail,
 * parses it (mailparser) and keeps it; `next` waits for a mail to arrive, without sleeping.
 */
export class MailCatcher {
  readonly mails: ParsedMail[] = [];
  private readonly waiters = new Set<Waiter>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(port = 0): Promise<MailCatcher> {
    let catcher: MailCatcher | null = null;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            catcher?.received(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const address = server.server.address();
    catcher = new MailCatcher(server, typeof address === "object" && address ? address.port : port);
    return catcher;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private received(mail: ParsedMail): void {
    this.mails.push(mail);
    for (const waiter of this.waiters) {
      if (waiter.accept(mail)) {
        this.waiters.delete(waiter);
        waiter.resolve(mail);
      }
    }
  }

  /** The first mail to `to` matching `accept`, already received or the next to arrive. */
  next(to: string, accept: (mail: ParsedMail) => boolean = () => true): Promise<ParsedMail> {
    const match = (mail: ParsedMail) => recipients(mail).includes(to.toLowerCase()) && accept(mail);
    const seen = this.mails.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.add({ accept: match, resolve }));
  }

  to(address: string): ParsedMail[] {
    return this.mails.filter((mail) => recipients(mail).includes(address.toLowerCase()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function recipients(mail: ParsedMail): string[] {
  const to = mail.to ? (Array.isArray(mail.to) ? mail.to : [mail.to]) : [];
  return to.flatMap((group) => group.value.map((a) => (a.address ?? "").toLowerCase()));
}

/** The verification token of a mail (the link's fragment). */
export function tokenOf(mail: ParsedMail): string {
  const match = /verify-email#token=([A-Za-z0-9_-]+)/.exec(mail.text ?? "");
  if (!match?.[1]) throw new Error(`no verification link in: ${mail.text}`);
  return match[1];
}

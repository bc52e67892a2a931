/**
 * Errors of the eForms mapping. Pure: no ORM, no I/O.
 *
 * A notice is rejected as a whole with a {@link NoticeError}; the error lists every problem found
 * (an importer can log them all at once), each located by an XPath-like path such as
 * `ContractNotice/cac:ProcurementProjectLot[2]/cac:ProcurementProject/cbc:Name`.
 * Positions (`[2]`) are 1-based and only written when an element has same-name siblings.
 * Paths of the input itself, before any element exists, are `(input)` and `(xml)`.
 */

/** One problem found in a notice. */
export interface NoticeIssue {
  /** Where: XPath-like path of the element (or of the missing element). */
  readonly path: string;
  /** What is wrong, in plain words. */
  readonly message: string;
}

/** The notice cannot be mapped: not XML, unsupported, or invalid. */
export class NoticeError extends Error {
  /** Path of the first issue, e.g. `ContractNotice/cbc:ID`. */
  readonly path: string;
  /** Every issue found, first one first (at least one). */
  readonly issues: readonly NoticeIssue[];

  constructor(issues: readonly NoticeIssue[]) {
    const [first = { path: "(input)", message: "invalid notice" }, ...others] = issues;
    const list = [first, ...others];
    super(list.map((issue) => `${issue.path}: ${issue.message}`).join("; "));
    this.name = "NoticeError";
    this.path = first.path;
    this.issues = list;
  }

  /** A single-issue error. */
  static at(path: string, message: string): NoticeError {
    return new NoticeError([{ path, message }]);
  }
}

/**
 * Collects the issues of one mapping run; the mapping goes on after an issue so that all of them
 * are reported, then {@link Issues.throwIfAny} rejects the notice.
 */
export class Issues {
  private readonly list: NoticeIssue[] = [];

  add(path: string, message: string): void {
    if (!this.list.some((issue) => issue.path === path && issue.message === message)) {
      this.list.push({ path, message });
    }
  }

  get count(): number {
    return this.list.length;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new NoticeError(this.list);
  }
}

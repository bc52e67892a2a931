/** Notified (in the publishing transaction) when a tender becomes OPEN. */
export const TENDER_PUBLISHED = "tender_published";

export interface TenderPublished {
  tenderId: string;
}

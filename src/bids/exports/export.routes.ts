import { Router, type Request, type Response } from "express";
import { resolveViewer } from "../../auth/auth.service";
import { ANONYMOUS } from "../../auth/viewer";
import { AppError } from "../../common/errors";
import { toGlobalId } from "../../common/node";
import { createContext, type AppServices } from "../../context";
import type { Bid } from "../bid.entity";
import { loadBid } from "../bid.queries";
import { offerBidForClient } from "../../clients/offer.service";
import { exportData, type ExportData } from "./export.data";
import { memoDocx } from "./memo.docx";
import { pricesXlsx } from "./prices.xlsx";

/** The documents a submitted bid is exported as, by file name. */
export const BID_EXPORTS = {
  "memo.docx": {
    name: "Mémoire technique",
    mediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    build: memoDocx,
  },
  "prices.xlsx": {
    name: "Bordereau de prix",
    mediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    build: pricesXlsx,
  },
} satisfies Record<string, { name: string; mediaType: string; build: (data: ExportData) => Promise<Buffer> }>;

export type BidExportFile = keyof typeof BID_EXPORTS;

/** Where a bid's export is downloaded (with the same bearer token as the API). */
export function exportPath(bidId: string, file: BidExportFile): string {
  return `/exports/bids/${toGlobalId("Bid", bidId)}/${file}`;
}

/** Exports exist once the bid was submitted: its content is frozen from then on. */
export function exportable(bid: Bid): boolean {
  return bid.submittedAt !== null;
}

const fail = (res: Response, status: number, code: string, message: string) => res.status(status).json({ errors: [{ message, extensions: { code } }] });

/**
 * `GET /exports/bids/:bidId/memo.docx` and `.../prices.xlsx`: the bid's members and the staff,
 * exactly like `bid(id)`, and the people of the order's client once the offer is submitted to them;
 * anyone else (and a missing bid) gets the same 404.
 */
export function bidExportRoutes(app: AppServices, meta: (req: Request, res: Response) => { requestId: string; clientAddress: string }): Router {
  const router = Router();
  router.get("/exports/bids/:bidId/:file", async (req, res, next) => {
    try {
      const spec = BID_EXPORTS[req.params.file as BidExportFile];
      const probe = createContext(app, ANONYMOUS, meta(req, res));
      const viewer = await resolveViewer(probe.em, app.auth, req.headers.authorization);
      if (!viewer) return fail(res, 401, "UNAUTHENTICATED", "The token is invalid or has expired.");
      // Set, not spread: the context's entity manager, loaders and logger are getters of its prototype.
      probe.viewer = viewer;
      const ctx = probe;
      let bid: Bid;
      const notFound = () => fail(res, 404, "NOT_FOUND", `Bid ${req.params.bidId} was not found.`);
      try {
        if (!spec || viewer.kind === "ANONYMOUS") throw new AppError("NOT_FOUND", "");
        bid = await loadBid(ctx, req.params.bidId, "bidId");
      } catch (error) {
        // A malformed id, a missing bid and someone else's bid all answer alike.
        if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "BAD_USER_INPUT")) {
          // The client of the order downloads the offers submitted on it, as submitted.
          const offer = spec && viewer.kind !== "ANONYMOUS" ? await offerBidForClient(ctx, req.params.bidId) : null;
          if (!offer) return notFound();
          if (!offer.frozen) return fail(res, 409, "INVALID_STATE", "This offer is being revised by its group: it is exported again once submitted.");
          bid = offer.bid;
        } else {
          throw error;
        }
      }
      if (!exportable(bid)) return fail(res, 409, "INVALID_STATE", `This bid is ${bid.status}: it is exported once submitted.`);
      const body = await spec.build(await exportData(ctx.em, bid));
      res.setHeader("Content-Type", spec.mediaType);
      res.setHeader("Content-Disposition", `attachment; filename="${req.params.file}"`);
      res.setHeader("Cache-Control", "private, no-store");
      res.send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

import { createHash } from "node:crypto";
import { Router } from "express";
import type { AppServices } from "../context";
import { atomFeed, feedUpdated } from "./feed.atom";
import { feedPath, feedTenders, searchOfFeedSecret } from "./saved-search.service";

/**
 * `GET /feeds/searches/<secret>.atom`: the Atom feed of a saved search, for feed readers, which
 * send no token: the secret in the URL is the key. An unknown, malformed or revoked secret is
 * one and the same 404. The answer carries an ETag and Last-Modified, so readers polling it get
 * 304 while nothing changed.
 */
export function savedSearchFeedRoutes(app: AppServices): Router {
  const router = Router();
  router.get("/feeds/searches/:file", async (req, res, next) => {
    try {
      const file = req.params.file;
      const secret = file.endsWith(".atom") ? file.slice(0, -".atom".length) : "";
      const em = app.orm.em.fork();
      const search = secret ? await searchOfFeedSecret(em, secret) : null;
      if (!search) {
        res.status(404).json({ errors: [{ message: "This feed does not exist or was revoked.", extensions: { code: "NOT_FOUND" } }] });
        return;
      }
      const appUrl = app.config.mail.appUrl;
      const tenders = await feedTenders(em, search.id);
      const body = atomFeed({
        searchId: search.id,
        searchName: search.name,
        searchUpdatedAt: search.updatedAt,
        selfUrl: `${appUrl}${feedPath(secret)}`,
        appUrl,
        tenders,
      });
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
      res.setHeader("ETag", etag);
      res.setHeader("Last-Modified", feedUpdated({ searchUpdatedAt: search.updatedAt, tenders }).toUTCString());
      // The URL is a secret: no shared cache keeps it, and nothing leaks it as a referrer.
      res.setHeader("Cache-Control", "private, no-cache");
      res.setHeader("Referrer-Policy", "no-referrer");
      if (req.headers["if-none-match"] === etag) {
        res.status(304).end();
        return;
      }
      res.type("application/atom+xml; charset=utf-8").send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

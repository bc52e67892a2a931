import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { announceAccessChange } from "../auth/access-change";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { isStaff, userIdOf } from "../auth/viewer";
import { BadInputError, ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import type { ConnectionShape } from "../common/pagination";
import * as v from "../common/validate";
import type { Actor } from "../auth/actor";
import { siret as checkedSiret } from "../cooperatives/cooperative.checks";
import { resolveLocation } from "../places/location";
import type { Tender } from "../tenders/tender.entity";
import { TenderKind, TenderOrder } from "../tenders/tender.enums";
import { listTenders } from "../tenders/tender.queries";
import { viewerOrganisationId } from "./client.access";
import { ClientOrganisation } from "./client.entity";
import type { AttachClientInput, CreateClientOrganisationInput, OrdersArgs } from "./client.inputs";
import { canReadOrganisation } from "./client.policy";
import { placeOf } from "../places/place.embeddable";

/** An organisation the viewer may read (its people, the staff); any other is NOT_FOUND. */
export async function loadOrganisation(actor: Actor, globalId: string, field = "id"): Promise<ClientOrganisation> {
  const id = decodeId("ClientOrganisation", globalId, field);
  const organisation = await readableOrganisation(actor, id);
  if (!organisation) throw new NotFoundError("ClientOrganisation", globalId);
  return organisation;
}

export async function readableOrganisation(actor: Actor, id: string): Promise<ClientOrganisation | null> {
  if (!canReadOrganisation(actor.viewer, id, await viewerOrganisationId(actor.em, actor.viewer))) return null;
  return actor.em.findOne(ClientOrganisation, { id });
}

/**
 * Creates a client organisation: a CLIENT account without one creates its own and joins it; staff
 * create one for client accounts they attach afterwards. The SIRET's two keys are checked.
 */
export async function createOrganisation(actor: Actor, input: CreateClientOrganisationInput): Promise<ClientOrganisation> {
  const { em, viewer } = actor;
  const client = viewer.kind === "USER" && viewer.role === PlatformRole.CLIENT;
  if (!client && !isStaff(viewer)) throw new ForbiddenError("Only client accounts and staff create client organisations.");
  const name = v.text("input.name", input.name, { max: 300 });
  const siret = checkedSiret("input.siret", input.siret);
  const location = input.location ? resolveLocation("input.location", input.location) : null;
  const userId = userIdOf(viewer);
  if (client && (await viewerOrganisationId(em, viewer))) throw new InvalidStateError("This account already belongs to a client organisation.");
  try {
    return await em.transactional(async (tx) => {
      const organisation = tx.create(ClientOrganisation, {
        name,
        siret,
        address: location?.address ?? null,
        postcode: location?.postcode ?? null,
        place: location?.place ?? placeOf(),
        createdBy: userId ? tx.getReference(User, userId) : null,
      });
      await tx.flush();
      if (client && userId) {
        // Only a client with no organisation yet joins the new one (a concurrent creation loses).
        const joined = await tx.nativeUpdate(User, { id: userId, clientOrganisation: null }, { clientOrganisation: organisation.id });
        if (joined !== 1) throw new InvalidStateError("This account already belongs to a client organisation.");
        await announceAccessChange(tx, { userIds: [userId] });
      }
      return organisation;
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException)
      throw new ConflictError("A client organisation with this SIRET exists already.", { field: "input.siret" });
    throw error;
  }
}

/** Staff attach a CLIENT account to an organisation (moving it out of its former one): its access changes at once. */
export async function attachClient(actor: Actor, input: AttachClientInput): Promise<ClientOrganisation> {
  if (!isStaff(actor.viewer)) throw new ForbiddenError("Only mission officers and admins attach client accounts.");
  const organisationId = decodeId("ClientOrganisation", input.organisationId, "input.organisationId");
  const userId = decodeId("User", input.userId, "input.userId");
  return actor.em.transactional(async (tx) => {
    const organisation = await tx.findOne(ClientOrganisation, { id: organisationId });
    if (!organisation) throw new NotFoundError("ClientOrganisation", input.organisationId);
    const user = await tx.findOne(User, { id: userId });
    if (!user || user.role !== PlatformRole.CLIENT) throw new BadInputError("input.userId", "is not a client account");
    user.clientOrganisation = organisation;
    await tx.flush();
    await announceAccessChange(tx, { userIds: [user.id] });
    return organisation;
  });
}

/** The people of an organisation (its CLIENT accounts), by name. */
export async function peopleOf(actor: Actor, organisation: ClientOrganisation): Promise<User[]> {
  return actor.em.find(User, { clientOrganisation: organisation.id, role: PlatformRole.CLIENT }, { orderBy: { name: "asc", id: "asc" } });
}

/** The organisation's direct orders, as the tenders list pages them (newest published first), filtered by status. */
export async function ordersOf(actor: Actor, organisation: ClientOrganisation, args: OrdersArgs, wantsTotal: boolean): Promise<ConnectionShape<Tender>> {
  return listTenders(
    actor,
    {
      first: args.first,
      after: args.after,
      orderBy: TenderOrder.PUBLICATION,
      filter: { kinds: [TenderKind.DIRECT_ORDER], statuses: args.filter?.statuses ?? null },
    },
    wantsTotal,
    { clientOrganisationId: organisation.id },
  );
}

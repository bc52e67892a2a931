/**
 * The README's tour as the explorer's saved operations (one tab each). A test validates every
 * one against the schema, so a schema change that breaks the tour breaks the build.
 */
export interface TourOperation {
  title: string;
  query: string;
  variables?: Record<string, unknown>;
}

export const TOUR: readonly TourOperation[] = [
  {
    title: "Sign in",
    query: `# Welcome to Scopgraph's explorer. Each tab is a step of the README's tour.
# Sign in (demo accounts: admin@, officer@, member@, client@demo.scopgraph.coop,
# password scopgraph-demo): the token fills the "Bearer token" field above, which every
# request of this page and its WebSocket (connection_init) then carry.
mutation SignIn {
  signIn(input: { email: "officer@demo.scopgraph.coop", password: "scopgraph-demo" }) {
    token
    user { name role }
  }
}`,
  },
  {
    title: "Viewer",
    query: `query Viewer {
  viewer { id name email role }
}`,
  },
  {
    title: "Printers near Rouen",
    query: `# Printers within 50 km of Rouen, nearest first.
query PrintersNearRouen {
  cooperatives(first: 10, filter: { cpv: "798", near: { commune: "Rouen", radiusKm: 50 } }, orderBy: DISTANCE) {
    totalCount
    edges { node { id name city headcount skills { code label level } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  },
  {
    title: "Open tenders",
    query: `# Open tenders, soonest deadline first: copy an id into the next tab's variables.
query OpenTenders {
  tenders(first: 5, filter: { statuses: [OPEN] }, orderBy: DEADLINE) {
    edges { node { id title city submissionDeadline lots { number title cpvCodes } } }
  }
}`,
  },
  {
    title: "Who fits a tender",
    query: `# The cooperatives that fit one tender, explained (officers and admins).
query Fit($tender: ID!) {
  tender(id: $tender) {
    matches(first: 5, maxDistanceKm: 80) {
      edges { node { rank score distanceKm cooperative { name city } components { name value weight evidence } } }
    }
    consortiumSuggestions(first: 3) {
      exact
      suggestions { memberCount score explanation members { role cooperative { name } lots { number } } }
    }
  }
}`,
    variables: { tender: "paste a tender id" },
  },
  {
    title: "Propose a team",
    query: `# An officer completes a cooperative's offer on its behalf: a PROPOSED bid it accepts or declines.
mutation Propose($tender: ID!, $coop: ID!) {
  proposeCompletion(input: { tenderId: $tender, leadCooperativeId: $coop, preference: LOCAL }) {
    id status members { role status cooperative { name } }
  }
}`,
    variables: { tender: "paste a tender id", coop: "paste a cooperative id" },
  },
  {
    title: "Live bid",
    query: `# A bid's log, live over graphql-ws: the events after afterSeq, then every new one.
subscription Live($bid: ID!, $after: Int) {
  bidEvents(bidId: $bid, afterSeq: $after) { seq type actorId payload }
}`,
    variables: { bid: "paste a bid id", after: 0 },
  },
  {
    title: "Invitations",
    query: `# New invitations (shortlistings) of your cooperatives, live (members).
subscription Invitations {
  invitations { id note answer cooperative { id name } tender { id title } }
}`,
  },
  {
    title: "Business volume",
    query: `# Business won through the platform against its target (officers and admins).
query BusinessVolume {
  businessVolume {
    total { awardedAmount commission }
    target { amount base earned progress }
  }
}`,
  },
];

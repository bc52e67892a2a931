/**
 * The operations timed by bench/matching, as a client would send them over HTTP: the selections
 * of test/operations/matching.graphql (explained components, members and their lots).
 */
/** The floor of a request: HTTP, auth (Bearer token), GraphQL parse/validate/cost, one tender by id. */
export const FLOOR_QUERY = `query BenchFloor($id: ID!) { tender(id: $id) { id title } }`;

export const MATCHES_QUERY = `query BenchMatches($id: ID!, $first: Int) {
  tender(id: $id) {
    id
    matches(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          rank
          score
          distanceKm
          coveredCpv
          cooperative { id name }
          components { name value weight contribution evidence }
        }
      }
    }
  }
}`;

export const OPPORTUNITIES_QUERY = `query BenchOpportunities($id: ID!, $first: Int) {
  cooperative(id: $id) {
    id
    opportunities(first: $first) {
      totalCount
      edges { node { rank score distanceKm tender { id title } components { name value evidence } } }
    }
  }
}`;

export const CONSORTIUM_QUERY = `query BenchConsortium($id: ID!, $first: Int) {
  tender(id: $id) {
    id
    consortiumSuggestions(first: $first) {
      exact
      notes
      uncoveredLots { id }
      suggestions {
        rank
        score
        memberCount
        totalDistanceKm
        explanation
        members { role distanceKm cooperative { id name } lots { id number } }
      }
    }
  }
}`;

export interface MatchesData {
  tender: { matches: { totalCount: number; edges: { node: { rank: number; score: number; cooperative: { name: string } } }[] } };
}

export interface OpportunitiesData {
  cooperative: { opportunities: { totalCount: number; edges: { node: { rank: number; score: number; tender: { title: string } } }[] } };
}

export interface ConsortiumData {
  tender: {
    consortiumSuggestions: {
      exact: boolean;
      notes: string[];
      uncoveredLots: { id: string }[];
      suggestions: { rank: number; score: number; memberCount: number; members: { cooperative: { name: string } }[] }[];
    };
  };
}

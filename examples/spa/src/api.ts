// A minimal GraphQL client: POST /graphql with Apollo's automatic persisted queries (the hash
// first, the document only when the gateway does not know it yet), and subscriptions over
// graphql-ws at /graphql/ws with the token in `connection_init`.
import { createClient, type Client } from "graphql-ws";
import type { TypedDocumentString } from "./gql/graphql";

export class GraphQLError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class Api {
  private token: string | null = null;
  private ws: Client | null = null;

  constructor(readonly baseUrl: string) {}

  setToken(token: string | null): void {
    this.token = token;
    this.ws?.dispose();
    this.ws = null;
  }

  async request<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult> {
    const query = document.toString();
    const extensions = { persistedQuery: { version: 1, sha256Hash: await sha256Hex(query) } };
    let answer = await this.post<TResult>({ variables, extensions });
    if (answer.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND") {
      answer = await this.post<TResult>({ query, variables, extensions });
    }
    const error = answer.errors?.[0];
    if (error || !answer.data) {
      throw new GraphQLError(error?.message ?? "no data", error?.extensions?.code);
    }
    return answer.data;
  }

  private async post<TResult>(body: object): Promise<GraphQLResponse<TResult>> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.baseUrl}/graphql`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    return (await response.json()) as GraphQLResponse<TResult>;
  }

  subscribe<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
    onData: (data: TResult) => void,
    onError: (error: unknown) => void,
  ): () => void {
    if (!this.ws) {
      const token = this.token;
      this.ws = createClient({
        url: `${this.baseUrl.replace(/^http/, "ws")}/graphql/ws`,
        connectionParams: () => (token ? { Authorization: `Bearer ${token}` } : {}),
      });
    }
    return this.ws.subscribe<TResult>(
      { query: document.toString(), variables },
      {
        next: (result) => {
          if (result.data) onData(result.data as TResult);
          if (result.errors?.length) onError(result.errors[0]);
        },
        error: onError,
        complete: () => {},
      },
    );
  }
}

// A small TypeScript client of the API, as an app author would write it: openapi-fetch over the
// types openapi-typescript generates from the OpenAPI description (.generated/schema.d.ts).
// `make contract` type-checks it with tsc --strict, then runs it against a live server:
//
//   node .generated/ts/example_client.js http://127.0.0.1:8000
//
// It uses no non-null assertion and no `any`: where the description says a field is always
// there, the types must say so too, and the code reads it directly.
import createClient from "openapi-fetch";

import type { components, paths } from "./.generated/schema.js";

type Problem = components["schemas"]["Problem"];

const baseUrl = process.argv[2];
if (baseUrl === undefined) {
  console.error("usage: node example_client.js BASE_URL");
  process.exit(2);
}

// No credentials: every read is public. The second type argument says which media types this
// client reads: JSON, and problem details for errors. Without it, the data of an operation that
// also offers text/csv would be typed as the JSON record or a CSV string.
const client = createClient<paths, "application/json" | "application/problem+json">({ baseUrl });

function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new Error(`example_client.ts: ${message}`);
  }
}

// An error is RFC 9457 problem details, the same shape for every status.
function checkProblem(problem: Problem, status: number, path: string): void {
  check(problem.status === status, `problem.status is ${problem.status}, not ${status}`);
  check(problem.title.length > 0, "the problem has no title");
  check(problem.instance === path, `problem.instance is ${problem.instance}, not ${path}`);
  check(problem.type.length > 0, "the problem has no type");
}

// 1. Statistics for Georgia, five at most.
const list = await client.GET("/api/v1/statistics/", {
  params: { query: { destination: ["GE"], limit: 5 } },
});
check(list.data !== undefined, `listing statistics gave ${list.response.status}`);
const page = list.data;
check(page.results.length > 0, "no statistics for destination GE");
check(page.results.length <= 5, `limit=5 gave ${page.results.length} statistics`);
check(page.count >= page.results.length, "count is below the number of results");
const first = page.results[0];
// Always present: read directly. destination is null for "abroad, all destinations", so the
// types make the code look, and the filter promises it is GE here.
check(first.origin.code.length === 2, `origin code ${first.origin.code}`);
check(first.destination?.code === "GE", "a statistic of the GE filter is not for GE");
check(first.citations.length > 0, "a statistic without citations");
const next: string | null = page.next;
console.log(
  `statistics: ${page.count} for GE; first: ${first.slug}, ${first.value} ${first.unit}` +
    ` (${first.metric}, ${first.origin.code} -> ${first.destination.code}); next page: ${next}`,
);

// 2. That statistic, by id.
const detail = await client.GET("/api/v1/statistics/{id}/", {
  params: { path: { id: first.id } },
});
check(detail.data !== undefined, `statistic ${first.id} gave ${detail.response.status}`);
check(detail.data.id === first.id, "the detail is another statistic");
check(detail.data.slug === first.slug, "the detail's slug differs from the list's");
console.log(`statistic ${detail.data.id}: ${detail.data.slug}, updated ${detail.data.updated_at}`);

// 3. A statistic that does not exist: a 404 with problem details, typed as an error.
const missing = await client.GET("/api/v1/statistics/{id}/", {
  params: { path: { id: 999999 } },
});
check(missing.data === undefined, "statistic 999999 exists");
check(missing.response.status === 404, `statistic 999999 gave ${missing.response.status}`);
check(missing.error !== undefined, "the 404 has no error body");
checkProblem(missing.error, 404, "/api/v1/statistics/999999/");
console.log(
  `statistic 999999: ${missing.error.status} ${missing.error.title}: ${missing.error.detail}`,
);

// 4. Armenia's profile at the start of 2023.
const profile = await client.GET("/api/v1/countries/{code}/profile/", {
  params: { path: { code: "AM" }, query: { as_of: "2023-01-01" } },
});
check(profile.data !== undefined, `the profile of AM gave ${profile.response.status}`);
check(profile.data.country.code === "AM", "the profile is of another country");
check(profile.data.as_of === "2023-01-01", `as_of is ${profile.data.as_of}`);
console.log(
  `profile of ${profile.data.country.name}: ${profile.data.policies_in_force.length} policies in` +
    ` force, ${profile.data.statistics.length} statistics, ${profile.data.sources.length} sources`,
);

// 5. Search.
const search = await client.GET("/api/v1/search/", { params: { query: { q: "Armenia" } } });
check(search.data !== undefined, `search gave ${search.response.status}`);
check(search.data.results.length > 0, "searching Armenia found nothing");
const hit = search.data.results[0];
console.log(
  `search "${search.data.query}": ${search.data.results.length} hits;` +
    ` first: ${hit.type} ${hit.name}`,
);

console.log("example_client.ts: all five calls gave what the description promises");

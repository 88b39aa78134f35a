import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateIntersection, evaluatePolicies } from "./evaluate.ts";
import type { Policy, PolicyStatement, RequestContext } from "./types.ts";

function policy(name: string, ...statements: PolicyStatement[]): Policy {
  return { name, statements };
}

function allow(
  actions: string[],
  resources: string[],
  extra: Partial<PolicyStatement> = {},
): PolicyStatement {
  return { effect: "allow", actions, resources, ...extra };
}

function deny(actions: string[], resources: string[], extra: Partial<PolicyStatement> = {}): PolicyStatement {
  return { effect: "deny", actions, resources, ...extra };
}

const check = (policies: Policy[], action: string, resource: string, context: RequestContext = {}) =>
  evaluatePolicies(policies, { action, resource, context });

describe("policy evaluation", () => {
  it("denies by default: no policy, or no matching statement", () => {
    const none = check([], "secrets:GetSecret", "nrn:shop:secret/db");
    assert.equal(none.allowed, false);
    assert.equal(none.outcome, "implicit-deny");
    assert.equal(none.statement, undefined);
    const other = check(
      [policy("function/api", allow(["secrets:GetSecret"], ["nrn:shop:secret/other"]))],
      "secrets:GetSecret",
      "nrn:shop:secret/db",
    );
    assert.equal(other.outcome, "implicit-deny");
    assert.match(other.explanation, /no statement of function\/api allows it/);
  });

  it("allows with an exact statement and names it", () => {
    const decision = check(
      [policy("function/api", allow(["secrets:GetSecret"], ["nrn:shop:secret/db"], { sid: "ReadDb" }))],
      "secrets:GetSecret",
      "nrn:shop:secret/db",
    );
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.statement, {
      policy: "function/api",
      index: 0,
      sid: "ReadDb",
      effect: "allow",
    });
    assert.equal(decision.explanation, "allowed by statement function/api#ReadDb");
  });

  it("matches action wildcards without regard to case, resource wildcards with it", () => {
    const policies = [
      policy("p", allow(["tables:*"], ["nrn:shop:table/ord?rs"]), allow(["*"], ["nrn:shop:bucket/photos/*"])),
    ];
    assert.equal(check(policies, "tables:GetItem", "nrn:shop:table/orders").allowed, true);
    assert.equal(check(policies, "TABLES:getitem", "nrn:shop:table/orders").allowed, true);
    assert.equal(check(policies, "tables:GetItem", "nrn:shop:table/Orders").allowed, false);
    assert.equal(check(policies, "queues:SendMessage", "nrn:shop:table/orders").allowed, false);
    // "*" crosses slashes, as in IAM.
    assert.equal(
      check(policies, "buckets:PutObject", "nrn:shop:bucket/photos/uploads/a/b.jpg").allowed,
      true,
    );
    assert.equal(check(policies, "buckets:PutObject", "nrn:shop:bucket/photo").allowed, false);
    // Regular-expression characters in a pattern are literal.
    const dotted = [policy("p", allow(["secrets:GetSecret"], ["nrn:shop:secret/a.b"]))];
    assert.equal(check(dotted, "secrets:GetSecret", "nrn:shop:secret/aXb").allowed, false);
  });

  it("lets an explicit deny win over any allow, in any order", () => {
    const policies = [
      policy("first", allow(["tables:*"], ["*"])),
      policy("second", deny(["tables:DeleteItem"], ["nrn:shop:table/orders"], { sid: "NoDeletes" })),
    ];
    const decision = check(policies, "tables:DeleteItem", "nrn:shop:table/orders");
    assert.equal(decision.allowed, false);
    assert.equal(decision.outcome, "explicit-deny");
    assert.equal(decision.explanation, "denied by statement second#NoDeletes");
    assert.equal(check(policies, "tables:GetItem", "nrn:shop:table/orders").allowed, true);
  });

  it("resolves ${…} variables in resources literally, and a missing one matches nothing", () => {
    const policies = [
      policy("users", allow(["buckets:PutObject"], ["nrn:shop:bucket/photos/uploads/${principal.userId}/*"])),
    ];
    const mine = { "principal.userId": "u1" };
    assert.equal(
      check(policies, "buckets:PutObject", "nrn:shop:bucket/photos/uploads/u1/a.jpg", mine).allowed,
      true,
    );
    assert.equal(
      check(policies, "buckets:PutObject", "nrn:shop:bucket/photos/uploads/u2/a.jpg", mine).allowed,
      false,
    );
    // A user id holding "*" is not a wildcard.
    const sneaky = { "principal.userId": "*" };
    assert.equal(
      check(policies, "buckets:PutObject", "nrn:shop:bucket/photos/uploads/u2/a.jpg", sneaky).allowed,
      false,
    );
    assert.equal(
      check(policies, "buckets:PutObject", "nrn:shop:bucket/photos/uploads/u1/a.jpg", {}).allowed,
      false,
    );
    const literal = [policy("p", allow(["secrets:GetSecret"], ["nrn:shop:secret/${*}"]))];
    assert.equal(check(literal, "secrets:GetSecret", "nrn:shop:secret/*").allowed, true);
    assert.equal(check(literal, "secrets:GetSecret", "nrn:shop:secret/x").allowed, false);
  });

  it("applies conditions: the caller's id must equal the item's partition key", () => {
    const ownItems = allow(["tables:GetItem", "tables:PutItem"], ["nrn:shop:table/orders"], {
      conditions: { StringEquals: { "tables:partitionKey": ["${principal.userId}"] } },
    });
    const policies = [policy("users", ownItems)];
    const context = (partitionKey: string | undefined) => ({
      "principal.userId": "u1",
      "tables:partitionKey": partitionKey,
    });
    assert.equal(check(policies, "tables:GetItem", "nrn:shop:table/orders", context("u1")).allowed, true);
    assert.equal(check(policies, "tables:GetItem", "nrn:shop:table/orders", context("u2")).allowed, false);
    assert.equal(
      check(policies, "tables:GetItem", "nrn:shop:table/orders", context(undefined)).allowed,
      false,
    );
  });

  it("treats missing keys as IAM does: positive operators fail, negated ones hold, Null tests absence", () => {
    const notAdmin = deny(["*"], ["*"], { conditions: { StringNotEquals: { "principal.type": ["admin"] } } });
    assert.equal(check([policy("p", notAdmin)], "apps:GetApp", "nrn:shop:app", {}).outcome, "explicit-deny");
    const needsMfa = allow(["*"], ["*"], { conditions: { Null: { "principal.userId": ["false"] } } });
    assert.equal(check([policy("p", needsMfa)], "apps:GetApp", "nrn:shop:app", {}).allowed, false);
    assert.equal(
      check([policy("p", needsMfa)], "apps:GetApp", "nrn:shop:app", { "principal.userId": "u" }).allowed,
      true,
    );
  });

  it("matches multi-valued keys (groups) when any value matches; ANDs operators and keys", () => {
    const admins = allow(["users:*"], ["*"], {
      conditions: {
        StringEquals: { "principal.groups": ["admins"], "principal.app": ["shop"] },
        NumericLessThan: { "request.sizeBytes": ["1000"] },
      },
    });
    const policies = [policy("p", admins)];
    const base = {
      "principal.groups": ["staff", "admins"],
      "principal.app": "shop",
      "request.sizeBytes": 10,
    };
    assert.equal(check(policies, "users:ListUsers", "nrn:shop:user/*", base).allowed, true);
    assert.equal(
      check(policies, "users:ListUsers", "nrn:shop:user/*", { ...base, "principal.groups": ["staff"] })
        .allowed,
      false,
    );
    assert.equal(
      check(policies, "users:ListUsers", "nrn:shop:user/*", { ...base, "principal.app": "blog" }).allowed,
      false,
    );
    assert.equal(
      check(policies, "users:ListUsers", "nrn:shop:user/*", { ...base, "request.sizeBytes": 5000 }).allowed,
      false,
    );
  });

  it("supports StringLike, IgnoreCase, Bool and Date operators", () => {
    const statement = allow(["*"], ["*"], {
      conditions: {
        StringLike: { "request.path": ["/photos/*"] },
        StringEqualsIgnoreCase: { "request.method": ["put"] },
        Bool: { "request.secure": ["true"] },
        DateLessThan: { "request.time": ["2030-01-01T00:00:00Z"] },
      },
    });
    const context = {
      "request.path": "/photos/a.jpg",
      "request.method": "PUT",
      "request.secure": true,
      "request.time": "2025-06-01T00:00:00Z",
    };
    assert.equal(check([policy("p", statement)], "http:Invoke", "x", context).allowed, true);
    assert.equal(
      check([policy("p", statement)], "http:Invoke", "x", { ...context, "request.secure": false }).allowed,
      false,
    );
    assert.equal(
      check([policy("p", statement)], "http:Invoke", "x", {
        ...context,
        "request.time": "2031-01-01T00:00:00Z",
      }).allowed,
      false,
    );
  });

  it("intersects policy sets: temporary credentials need their own session policy and the parent's to allow", () => {
    const parent = [policy("userpool", allow(["buckets:*"], ["nrn:shop:bucket/photos/*"]))];
    const session = [
      policy("session", allow(["buckets:PutObject"], ["nrn:shop:bucket/photos/uploads/u1/*"])),
    ];
    const put = (resource: string, action = "buckets:PutObject") =>
      evaluateIntersection([parent, session], { action, resource, context: {} });
    assert.equal(put("nrn:shop:bucket/photos/uploads/u1/a.jpg").allowed, true);
    assert.equal(put("nrn:shop:bucket/photos/uploads/u2/a.jpg").allowed, false);
    assert.equal(
      put("nrn:shop:bucket/photos/uploads/u1/a.jpg", "buckets:DeleteObject").explanation,
      "denied: no statement of session allows it",
    );
    // A session policy cannot widen the parent's rights.
    const wide = [policy("session", allow(["*"], ["*"]))];
    assert.equal(
      evaluateIntersection([parent, wide], {
        action: "secrets:GetSecret",
        resource: "nrn:shop:secret/x",
        context: {},
      }).allowed,
      false,
    );
  });
});

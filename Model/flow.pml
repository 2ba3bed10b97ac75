/*
 * The sign-in flow of one AuthnRequest, as a Promela model for spin.
 *
 * What it models: two bridge instances sharing one state store (SQLite or
 * PostgreSQL) and one transfer log; a browser that double-submits every
 * step (two /saml/sso posts of the same AuthnRequest, two iAM Smart
 * callbacks, two POST /consent with any mix of agree and decline); a relying
 * party that resolves its artifact twice; the store's expiry sweep; and a
 * crash of an instance after every step of every request it serves.
 *
 * The design modelled is the one issue 9 asks for, not the shape of the
 * code before it: each resident step takes the flow in the phase it expects
 * with one atomic statement (StateStore.takeFlow(id:expectedPhase:...)).
 *
 * Why one AuthnRequest is enough: flows share no row (random flow IDs,
 * artifact handles and AuthnRequest IDs); a resident who starts again gets
 * a new AuthnRequest and a new flow, i.e. a fresh copy of this model. The
 * replay cache entry for the old ID outlives the request's acceptance
 * window (AuthnRequestValidator refuses older IssueInstants), so the model
 * never expires it.
 *
 * Instances and crashes: the store and the log are shared and survive a
 * crash; an instance holds nothing but the local variables of the requests
 * it is serving. A crash of an instance therefore ends each of its
 * in-flight requests at whatever step it had reached, and a restarted
 * instance serves new requests like any other. CRASH below lets every
 * request stop after every step, which covers every crash of either
 * instance (and several crashes). A retry after the restart is the second
 * request of the same kind, which may run at any time, also after the
 * first has stopped. A flow left in callbackRunning or deciding by a crash
 * is never resumed: the sweep (Sweep) deletes it when it expires, and the
 * resident starts again. The `instance` argument of each request names the
 * instance serving it in counterexample traces; nothing depends on it, as
 * all shared state is in the store and the log.
 *
 * A request that finds the flow (or the artifact, or the replay cache) in
 * another state than it expects gets an error (unexpected-step,
 * replayed-request, artifact unknown) and changes nothing. In the model it
 * simply never proceeds: it waits at an end_ label. For the safety
 * properties below that is the same as a request that failed, and it keeps
 * the state space small enough for an exhaustive search in a second.
 *
 * Mapping to the Swift code (Sources/FederationBridge/):
 *   SingleSignOn  Flow/SingleSignOnStep.swift  FederationFlow.singleSignOn
 *                 replay: StateStore.insertIfAbsent(replayID:) in
 *                 State/SQLiteStateStore.swift, State/PostgresStateStore.swift
 *   Callback      Flow/CallbackStep.swift      FederationFlow.callback
 *   Consent       Flow/ConsentStep.swift       FederationFlow.consentDecision
 *                 and conclude; verdict + log: Flow/PIAGate.swift
 *                 PIAGate.decide -> PIAChecks TransferLog.append
 *                 (group commit, fsync); Assertion: Flow/ResponseIssuer.swift
 *                 issueResponse; delivery: Flow/Delivery.swift deliver
 *   Resolve       Flow/ArtifactStep.swift      FederationFlow.resolveArtifact
 *                 -> StateVault.takeArtifact -> StateStore.takeArtifact
 *                 (DELETE ... RETURNING)
 *   Sweep         StateStore.sweep(now:) (expiry)
 *
 * Deliberately broken variants (scripts/check-model.sh shows that spin
 * finds a counterexample in each):
 *   BUG_CONSENT_READ_THEN_WRITE   consent reads the phase, then writes it
 *                                 (the code before issue 9)
 *   BUG_CALLBACK_READ_THEN_WRITE  the callback likewise
 *   BUG_LOG_FAILURE_IGNORED       a failed log append is ignored (try?)
 *   BUG_ASSERTION_BEFORE_LOG      the Assertion is built before the verdict
 *                                 is in the log
 *   BUG_ARTIFACT_READ_THEN_DELETE artifact resolution selects, then deletes
 *   BUG_CONTEXT_FROM_REQUEST      the AuthnContext is chosen from the
 *                                 request, never compared with what iAM
 *                                 Smart delivered (the code before issue 9)
 *   BUG_STORE_RELEASE_BY_UPSERT   the callback stores its result with the
 *                                 old putFlow upsert instead of an update
 *                                 of the row it took
 */

mtype = { NONE, AWAITING_CALLBACK, CALLBACK_RUNNING, AWAITING_CONSENT, DECIDING };
mtype = { POST, ARTIFACT };

/* Assurance iAM Smart delivers, in order (0: not signed in). */
#define BASIC      1
#define PLUS       2
#define PLUS_FACE  3

/* RequestedAuthnContext Comparison (SAML core 3.3.2.2.1). */
#define NOT_REQUESTED 0
#define EXACT         1
#define MINIMUM       2
#define BETTER        3
#define MAXIMUM       4

/* Whether the request's RequestedAuthnContext accepts level `l`. */
#define meets(l) \
    (comparison == NOT_REQUESTED || \
     (comparison == EXACT && (l) == requestedClass) || \
     (comparison == MINIMUM && (l) >= requestedClass) || \
     (comparison == BETTER && (l) > requestedClass) || \
     (comparison == MAXIMUM && (l) <= requestedClass))

/* The relying party's RequestedAuthnContext: absent, or a comparison with one class. */
inline chooseRequest() {
    if
    :: comparison = NOT_REQUESTED
    :: comparison = EXACT
    :: comparison = MINIMUM
    :: comparison = BETTER
    :: comparison = MAXIMUM
    fi;
    if
    :: comparison == NOT_REQUESTED -> requestedClass = 0
    :: comparison != NOT_REQUESTED -> requestedClass = BASIC
    :: comparison != NOT_REQUESTED -> requestedClass = PLUS
    :: comparison != NOT_REQUESTED -> requestedClass = PLUS_FACE
    fi
}

/* A crash of the serving instance: the request ends here. */
#define CRASH if :: goto crashed :: skip fi

/* ---- The shared state store (one flow_state row, the replay cache, one artifact row). */
mtype phase = NONE;          /* NONE: no row */
byte storedAssurance = 0;    /* the assurance kept with the flow after sign-in */
bool replayRecorded = false;
bool artifactStored = false;
bool artifactHoldsAssertion = false;

/* ---- The transfer log: entries for this flow that are durable (committed and fsynced). */
byte loggedTransfer = 0;
byte loggedDeclined = 0;
byte loggedRefused = 0;

/* ---- The relying party's request. The binding is fixed by init. The
 * RequestedAuthnContext is in the flow's route from /saml/sso on, but only
 * the callback reads it (after sign-in), so the model chooses it there, once
 * per sign-in, and keeps only the outcome (contextMet). Every comparison,
 * class and delivered level is still tried; the state space just does not
 * carry the request through the consent step, where nothing reads it. */
mtype binding;
byte comparison;
byte requestedClass;
byte routeContext = 0;       /* BUG_CONTEXT_FROM_REQUEST only: the class chosen before sign-in */
bool contextMet = false;

/* ---- Observations (ghost variables) the properties speak about. */
byte flowsOpened = 0;        /* flow rows created for the AuthnRequest */
bool flowEnded = false;      /* the row existed and has been deleted */
byte signIns = 0;            /* iAM Smart sign-ins completed for the flow */
byte consentsTaken = 0;      /* consent requests that took the flow */
bool expiredWhileDeciding = false;
byte obtainedContext = 0;    /* what iAM Smart delivered */
byte assertionsBuilt = 0;
byte assertedContext = 0;    /* the highest AuthnContext in a built Assertion */
byte released = 0;           /* Assertions that reached the relying party */
byte artifactsIssued = 0;
byte resolved = 0;           /* ArtifactResolve answers that carried a message */

/* Deletes the flow row (deleteFlow / the final DELETE of each step). */
inline deleteFlow() {
    atomic { if :: phase != NONE -> phase = NONE; flowEnded = true :: else -> skip fi }
}

/* ResponseIssuer.issueResponse: builds and signs the Assertion, with the
 * AuthnContext iAM Smart delivered (read with the take). */
inline buildAssertion() {
    atomic {
        assertionsBuilt++;
#ifdef BUG_CONTEXT_FROM_REQUEST
        assertedContext = routeContext
#else
        assertedContext = context
#endif
    }
}

/* Delivers a Response without personal data (a SAML status) by the request's binding. */
inline deliverStatus() {
    if
    :: binding == ARTIFACT -> atomic { artifactStored = true; artifactHoldsAssertion = false; artifactsIssued++ }
    :: binding == POST -> skip
    fi
}

/* FederationFlow.singleSignOn: the AuthnRequest is verified (no state), its ID
 * enters the replay cache in one statement, then the flow row is written. */
proctype SingleSignOn(bit instance)
{
end_replayed:
    atomic { !replayRecorded -> replayRecorded = true }    /* INSERT ... ON CONFLICT */
    CRASH;                              /* ID used, no flow: the RP must send a new request */
    atomic { phase = AWAITING_CALLBACK; flowsOpened++ }
crashed:
    skip
}

/* FederationFlow.callback: takes the flow from awaitingCallback in one
 * statement, signs the resident in, compares the obtained assurance with the
 * RequestedAuthnContext, runs the checks that do not depend on the decision
 * (issue 9 item 4), and stores the result for the consent page. */
proctype Callback(bit instance)
{
    byte level;
    bool eligible;
end_unexpected_step:
#ifdef BUG_CALLBACK_READ_THEN_WRITE
    phase == AWAITING_CALLBACK;         /* read the flow and check its phase ... */
    CRASH;
    phase = CALLBACK_RUNNING;           /* ... and write it in a second statement */
#else
    /* UPDATE ... SET phase='callbackRunning' WHERE id=? AND phase='awaitingCallback' */
    atomic { phase == AWAITING_CALLBACK -> phase = CALLBACK_RUNNING }
#endif
    CRASH;
    /* Code exchange and profile: iAM Smart delivers one of its levels, or
     * fails. Then the checks that do not depend on the decision. */
    atomic {
        if
        :: level = BASIC
        :: level = PLUS
        :: level = PLUS_FACE
        :: goto signInFailed
        fi;
        obtainedContext = level;
        chooseRequest();
        contextMet = meets(level);
#ifdef BUG_CONTEXT_FROM_REQUEST
        if                              /* AuthnRequestValidator.authnContext, before sign-in */
        :: comparison == NOT_REQUESTED -> routeContext = PLUS
        :: else -> routeContext = requestedClass
        fi;
        contextMet = true;              /* never compared with what was obtained */
#endif
        comparison = 0; requestedClass = 0;
        if :: eligible = true :: eligible = false fi    /* age, recipient, purpose, volume */
    }
    CRASH;
    if
    :: eligible && contextMet -> goto store
    :: else -> goto refuse              /* NoAuthnContext / RequestDenied status, no release */
    fi;
store:
#ifdef BUG_STORE_RELEASE_BY_UPSERT
    atomic { phase = AWAITING_CONSENT; storedAssurance = level; signIns++ }
#else
    atomic {                            /* UPDATE ... WHERE id=? AND phase='callbackRunning' */
        if
        :: phase == CALLBACK_RUNNING -> phase = AWAITING_CONSENT; storedAssurance = level; signIns++
        :: else -> skip                 /* expired meanwhile: the row stays gone */
        fi
    }
#endif
    goto done;
refuse:
    atomic {                            /* PIAGate.decide: a `refused` entry (issue 9 item 5), or the append fails */
        if
        :: loggedRefused++
        :: skip
        fi
    }
    CRASH;
    deliverStatus();
    CRASH;
    deleteFlow();
    goto done;
signInFailed:
    deliverStatus();                    /* AuthnFailed */
    CRASH;
    deleteFlow();
crashed:
done:
    level = 0; eligible = false         /* in-memory state is gone with the request */
}

/* FederationFlow.consentDecision and conclude: takes the flow from
 * awaitingConsent in one statement, computes the verdict, appends it to the
 * transfer log durably, and only then (agree, checks passed) builds and
 * delivers the Assertion; the flow row is deleted at the end. */
proctype Consent(bit instance; bool agree)
{
    byte context;
    bool passes;
    bool durable;
end_unexpected_step:
#ifdef BUG_CONSENT_READ_THEN_WRITE
    atomic { phase == AWAITING_CONSENT -> context = storedAssurance }   /* read the flow, check its phase ... */
    CRASH;
    atomic { phase = DECIDING; consentsTaken++ }                        /* ... and write it in a second statement */
#else
    /* StateStore.takeFlow(id:expectedPhase: .awaitingConsent, ...):
     * UPDATE ... SET phase='deciding' WHERE id=? AND phase='awaitingConsent' RETURNING ... */
    atomic { phase == AWAITING_CONSENT -> phase = DECIDING; context = storedAssurance; consentsTaken++ }
#endif
    CRASH;                              /* stuck in deciding: expires, never resumed */
    if :: passes = true :: passes = false fi;        /* PIAEvaluator.evaluate */
#ifdef BUG_ASSERTION_BEFORE_LOG
    if
    :: agree && passes -> buildAssertion()
    :: else -> skip
    fi;
    CRASH;
#endif
    /* PIAGate.decide -> TransferLog.append: the call returns once the
     * entry's batch is committed and fsynced, or throws; the commit is one
     * transaction, so the entry is durable exactly when the call succeeds. */
    atomic {
        if
        :: durable = true;
           if
           :: !agree -> loggedDeclined++
           :: agree && passes -> loggedTransfer++
           :: agree && !passes -> loggedRefused++
           fi
        :: durable = false
        fi
    }
#ifdef BUG_LOG_FAILURE_IGNORED
    durable = true;
#endif
    CRASH;
    if
    :: durable && agree && passes ->
#ifndef BUG_ASSERTION_BEFORE_LOG
        buildAssertion();
        CRASH;
#endif
        if                              /* Delivery.deliver */
        :: binding == POST -> released++
        :: binding == ARTIFACT -> atomic { artifactStored = true; artifactHoldsAssertion = true; artifactsIssued++ }
        fi
    :: durable && !(agree && passes) -> deliverStatus()   /* RequestDenied, no personal data */
    :: !durable -> skip                 /* transfer-log-unavailable: nothing is sent */
    fi;
    CRASH;
    deleteFlow();
crashed:
    context = 0; passes = false; durable = false
}

/* FederationFlow.resolveArtifact: a signed ArtifactResolve from the relying
 * party takes the artifact in one statement (DELETE ... RETURNING). */
proctype Resolve(bit instance)
{
    bool holdsAssertion;
end_unknown_artifact:
#ifdef BUG_ARTIFACT_READ_THEN_DELETE
    atomic { artifactStored -> holdsAssertion = artifactHoldsAssertion }  /* SELECT ... */
    CRASH;
    artifactStored = false;             /* ... then DELETE */
#else
    /* StateStore.takeArtifact: DELETE ... WHERE handle=? AND expires_at>? RETURNING payload */
    atomic { artifactStored -> artifactStored = false; holdsAssertion = artifactHoldsAssertion }
#endif
    CRASH;
    atomic {                            /* the ArtifactResponse reaches the RP */
        resolved++;
        if :: holdsAssertion -> released++ :: else -> skip fi
    }
crashed:
    holdsAssertion = false
}

/* StateStore.sweep: expiry may come at any moment. */
proctype Sweep()
{
end_sweeping:
    do
    :: atomic { phase == DECIDING -> phase = NONE; flowEnded = true; expiredWhileDeciding = true }
    :: atomic { phase != NONE && phase != DECIDING -> phase = NONE; flowEnded = true }
    :: atomic { artifactStored -> artifactStored = false }
    od
}

init {
    bool first, second;
    atomic {
        if :: binding = POST :: binding = ARTIFACT fi;
        if                              /* agree/agree, agree/decline, decline/decline */
        :: first = true; second = true
        :: first = true; second = false
        :: first = false; second = false
        fi;
        run SingleSignOn(0); run SingleSignOn(1);
        run Callback(0); run Callback(1);
        run Consent(0, first); run Consent(1, second);
        run Resolve(0); run Resolve(1);
        run Sweep();
        first = false; second = false
    }
}

/* ---- Properties, each checked on its own (pan -a -N name). */

/* No Assertion is built or reaches the relying party without a durable `transfer` entry. */
ltl no_assertion_without_entry { [] (assertionsBuilt <= loggedTransfer && released <= loggedTransfer) }

/* At most one verdict entry and at most one Assertion per flow (and so per consent). */
ltl at_most_one_entry { [] (loggedTransfer + loggedDeclined + loggedRefused <= 1 && assertionsBuilt <= 1) }

/* A declined or refused flow never builds or releases an Assertion. */
ltl declined_or_refused_never_releases { [] ((loggedDeclined + loggedRefused > 0) -> (assertionsBuilt == 0 && released == 0)) }

/* An artifact resolves at most once: one ArtifactResolve answer per flow. */
ltl artifact_resolves_once { [] (resolved <= 1) }

/* The asserted AuthnContext never exceeds the one iAM Smart delivered. */
ltl context_never_overstated { [] (assertedContext <= obtainedContext) }

/* A RequestedAuthnContext that the obtained level does not meet gets no Assertion. */
ltl unmet_context_never_releases { [] (assertionsBuilt > 0 -> contextMet) }

/* Of concurrent consent requests (double submit, two instances) exactly one proceeds. */
ltl one_consent_proceeds { [] (consentsTaken <= 1) }

/* One iAM Smart sign-in per flow: a duplicate callback does nothing. */
ltl one_signin_per_flow { [] (signIns <= 1) }

/* One flow per AuthnRequest: a replayed request opens none. */
ltl one_flow_per_request { [] (flowsOpened <= 1) }

/* A flow taken for deciding, or deleted, is never resumed. */
ltl stuck_flow_never_resumes {
    [] ((phase == DECIDING) -> [] (phase == DECIDING || phase == NONE)) &&
    [] (flowEnded -> [] (phase == NONE))
}

/* ---- Witnesses: states the checks above would be empty without. spin must
 * find each of these reachable (a "violation"), or the model is vacuous. */
ltl reachable_release_by_post { [] !(binding == POST && released > 0) }
ltl reachable_release_by_artifact { [] !(binding == ARTIFACT && resolved > 0 && released > 0) }
ltl reachable_declined { [] (loggedDeclined == 0) }
ltl reachable_refused { [] (loggedRefused == 0) }
ltl reachable_unmet_context_answered { [] !(obtainedContext > 0 && !contextMet && flowEnded) }
ltl reachable_stuck_flow_expires { [] !expiredWhileDeciding }

// Alerts and a workbook over Application Insights. They read hrsync's custom events (customEvents,
// named and fielded in lib/telemetry/catalogue.ts) and, for poison messages and one person's
// history, the host's traces and hrsync's JSON log lines (functions/log.ts). test/infra checks
// that every event name and customDimensions field a query reads is one the code emits.
param location string
param tags object
param appInsightsName string
param poisonQueue string

@description('Email for alert notifications; empty: the alerts fire without notifying anyone.')
param alertEmail string

@minValue(1)
@maxValue(47)
param runCompletionHours int

@minValue(1)
@maxValue(47)
@description('Hours without a run of a source after which it is reported silent (its extract never arrived).')
param sourceSilenceHours int

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-hrsync'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'hrsync'
    enabled: true
    emailReceivers: [
      {
        name: 'hrsync-operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = empty(alertEmail) ? {} : {
  actionGroups: [
    actionGroup.id
  ]
}

// The host logs this when a message has failed maxDequeueCount times and is moved to
// <queue>-poison, and likewise for a blob the ingest function failed on five times; reconcile
// then dead-letters the records of poisoned operation messages (hrsync.records.poisoned).
var poisonQuery = replace('''
union
  (traces
    | where message has "MaxDequeueCount" or message has "webjobs-blobtrigger-poison"
    | where message has "{poisonQueue}" or message has "webjobs-blobtrigger-poison"
    | project timestamp, what = message, runId = ""),
  (customEvents
    | where name == "hrsync.records.poisoned"
    | project timestamp, what = strcat(tostring(customDimensions.records), " records dead-lettered from the poison queue"), runId = tostring(customDimensions.runId))
''', '{poisonQueue}', poisonQueue)

var failedRecordsQuery = '''
customEvents
| where name == "hrsync.run.completed"
| where toint(customDimensions.rejected) > 0 or toint(customDimensions.deadLettered) > 0
| project timestamp, runId = tostring(customDimensions.runId), source = tostring(customDimensions.source), rows = toint(customDimensions.rows), rejected = toint(customDimensions.rejected), deadLettered = toint(customDimensions.deadLettered), failureCodes = tostring(customDimensions.failureCodes)
'''

// A run held before sending (the guard) or once a run stopped for failures is final: nothing more of it goes out until someone approves or discards it.
var heldRunsQuery = '''
customEvents
| where name == "hrsync.run.held"
| project timestamp, runId = tostring(customDimensions.runId), source = tostring(customDimensions.source), stage = tostring(customDimensions.stage), thresholds = tostring(customDimensions.thresholds), limits = tostring(customDimensions.limits), actuals = tostring(customDimensions.actuals), notSent = toint(customDimensions.notSent)
'''

// Reconcile reads the provisioning job each pass; while it takes no uploads (paused, quarantined) every source waits.
var jobNotActiveQuery = '''
customEvents
| where name == "hrsync.job.state"
| where tostring(customDimensions.active) == "false"
| project timestamp, jobStatus = tostring(customDimensions.jobStatus), quarantineReason = tostring(customDimensions.quarantineReason), nextAttempt = tostring(customDimensions.nextAttempt)
'''

// Reconcile stops a run whose failures in the provisioning logs pass its source's maxFailedPercent
// (of at least 200 outcomes), before Microsoft quarantines the job over 40% failing.
var runStoppedQuery = '''
customEvents
| where name == "hrsync.run.stopped"
| project timestamp, runId = tostring(customDimensions.runId), source = tostring(customDimensions.source), outcomes = toint(customDimensions.outcomes), failures = toint(customDimensions.failures), percent = todouble(customDimensions.percent), limit = toint(customDimensions.limit), notSent = toint(customDimensions.notSent)
'''

// Ingest's estimate: the run needs more calls than the daily budget leaves, so it takes days.
var overBudgetQuery = '''
customEvents
| where name == "hrsync.run.ingested"
| where toint(customDimensions.budgetDays) > 1
| project timestamp, runId = tostring(customDimensions.runId), source = tostring(customDimensions.source), requests = toint(customDimensions.requestsPlanned), callsLeft = toint(customDimensions.callsLeft), days = toint(customDimensions.budgetDays)
'''

// The budget ran out while runs still had records to send: those records wait in the queue for calls to free.
var budgetSpentQuery = '''
customEvents
| where name == "hrsync.uploads.wait"
| where tostring(customDimensions.why) == "budget"
| summarize records = sum(toint(customDimensions.operations)), until = max(todatetime(customDimensions.until)) by runIds = tostring(customDimensions.runIds)
'''

// Runs ingested between expected+1 and expected hours ago that have neither completed nor been held since.
var overdueRunsQuery = replace('''
let expected = {hours}h;
let ingested = customEvents
  | where timestamp between (ago(expected + 1h) .. ago(expected))
  | where name == "hrsync.run.ingested"
  | project runId = tostring(customDimensions.runId), source = tostring(customDimensions.source), ingestedAt = timestamp;
let ended = customEvents
  | where name in ("hrsync.run.completed", "hrsync.run.held")
  | project runId = tostring(customDimensions.runId);
ingested
| join kind=leftanti ended on runId
''', '{hours}', string(runCompletionHours))

// A source that ran within the alert's two-day window but has not started a run for sourceSilenceHours:
// its nightly extract never arrived (or never triggered ingest). One alert per source.
var sourceSilentQuery = replace('''
customEvents
| where name == "hrsync.run.started"
| summarize lastRun = max(timestamp) by source = tostring(customDimensions.source)
| where lastRun < ago({hours}h)
''', '{hours}', string(sourceSilenceHours))

resource poisonAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-poison-message'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: message moved to a poison queue'
    description: 'A queue message or extract failed every try. Reconcile dead-letters the affected records and names the reason in the run report; the message stays in the poison queue until moved back.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: poisonQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource failedRecordsAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-run-with-failed-records'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: run finished with rejected or dead-lettered records'
    description: 'A run completed with records that did not reach Entra ID. Its report (<reports container>/<runId>/report.json and problems.csv) lists each one and why.'
    severity: 3
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: failedRecordsQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource heldRunAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-run-held'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: run held, nothing more of it is sent'
    description: 'Stage guard: an extract went over its source\'s thresholds (disables, shrink against the last full extract, rejected rows) and nothing of it was sent. Stage failureShare: a run stopped for too many failures is held now that what it sent is final. Its report names each threshold with its numbers; "hrsync approve <runId>" sends it (the rest), "hrsync discard <runId>" ends it, and a newer extract of the source supersedes it.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: heldRunsQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource jobNotActiveAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-job-not-active'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: provisioning job paused or in quarantine, uploads wait'
    description: 'The provisioning job is not Active, so hrsync sends nothing (records stay queued, nothing is lost) and Entra processes nothing. "hrsync job" shows the state and the quarantine reason; fix the cause and start the job in the provisioning app, and uploads resume by themselves.'
    severity: 1
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: jobNotActiveQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

resource runStoppedAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-run-stopped-failures'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: a run stopped sending, too many of its records failed'
    description: 'More than the source\'s maxFailedPercent (default 20%) of a run\'s outcomes in the provisioning logs failed, so hrsync stopped sending it before Microsoft quarantines the job (over 40% failing), which would stop every source. The run is held once what it sent is final: "hrsync status <runId>" and problems.csv show the failures\' codes; fix the cause, then "hrsync approve <runId>" sends the rest.'
    severity: 1
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: runStoppedQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource overBudgetAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-run-over-budget'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: run needs more than the daily call budget'
    description: 'An extract needs more bulkUpload calls than the daily budget leaves (2,000 a day on P1/P2, 6,000 with ID Governance): it is sent over several days, disables and retries first. Check HRSYNC_DAILY_CALLS matches the tenant\'s licence, and whether a full resend was intended.'
    severity: 3
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: overBudgetQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource overdueRunAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-run-overdue'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: run not complete within ${runCompletionHours} hours'
    description: 'An extract was ingested but its run has neither completed nor been held. Look for throttling, the daily budget spent, a paused or quarantined provisioning job, or records waiting on a manager ("hrsync status <runId>"). An extract that never arrived is the source-silent alert.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT1H'
    // The query picks its own hour-long slice; the window only has to reach back that far.
    windowSize: 'P2D'
    criteria: {
      allOf: [
        {
          query: overdueRunsQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource budgetSpentAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-budget-spent'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: daily call budget spent before the runs finished'
    description: 'Records of open runs wait in the queue because the daily budget of bulkUpload calls is spent (creates and updates stop at the reserve; disables and retries go on it). They go by themselves as calls free within the sliding 24 hours; "hrsync status" shows what waits and when the next call is possible. Check HRSYNC_DAILY_CALLS against the tenant\'s licence, and whether a full resend was intended.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: budgetSpentQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    muteActionsDuration: 'PT6H'
    actions: actions
  }
}

resource sourceSilentAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'hrsync-source-silent'
  location: location
  tags: tags
  properties: {
    displayName: 'hrsync: no run for a source in ${sourceSilenceHours} hours'
    description: 'A source that ran in the last two days has started no run for ${sourceSilenceHours} hours: its nightly extract did not arrive in the extracts container (or the Event Grid subscription no longer triggers ingest). Check the HR system\'s export job and the upload to <extracts container>/<source>/; "hrsync status" lists the latest runs per source. Fires once per source.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT1H'
    // The query compares with its own cut-off; the window only has to reach back past it.
    windowSize: 'P2D'
    criteria: {
      allOf: [
        {
          query: sourceSilentQuery
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'source'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    muteActionsDuration: 'P1D'
    actions: actions
  }
}

// --- The workbook -----------------------------------------------------------------------------
// Every query reads the time range picked at the top (TimeRange); the person's history reads ExternalId.

var runsQuery = '''
let started = customEvents
  | where name == "hrsync.run.started"
  | project runId = tostring(customDimensions.runId), source = tostring(customDimensions.source), startedAt = timestamp;
let ended = customEvents
  | where name in ("hrsync.run.completed", "hrsync.run.held", "hrsync.run.unusable")
  | project runId = tostring(customDimensions.runId), endedAt = timestamp, outcome = case(name == "hrsync.run.completed", "complete", name == "hrsync.run.held", strcat("held (", tostring(customDimensions.stage), ")"), "unusable"),
      rows = toint(customDimensions.rows), created = toint(customDimensions.created), updated = toint(customDimensions.updated), disabled = toint(customDimensions.disabled), unchanged = toint(customDimensions.unchanged),
      skipped = toint(customDimensions.skipped), rejected = toint(customDimensions.rejected), deadLettered = toint(customDimensions.deadLettered), requests = toint(customDimensions.requests);
started
| summarize startedAt = min(startedAt), source = take_any(source) by runId
| join kind=leftouter (ended | summarize arg_max(endedAt, *) by runId) on runId
| project startedAt, runId, source, outcome = iff(isempty(outcome), "open", outcome), hours = round((endedAt - startedAt) / 1h, 1), rows, created, updated, disabled, unchanged, skipped, rejected, deadLettered, requests
| order by startedAt desc
'''

var outcomesQuery = '''
customEvents
| where name == "hrsync.run.completed"
| summarize created = sum(toint(customDimensions.created)), updated = sum(toint(customDimensions.updated)), disabled = sum(toint(customDimensions.disabled)), unchanged = sum(toint(customDimensions.unchanged)),
    skipped = sum(toint(customDimensions.skipped)), rejected = sum(toint(customDimensions.rejected)), deadLettered = sum(toint(customDimensions.deadLettered)) by bin(timestamp, 1d)
| order by timestamp asc
'''

var callsQuery = '''
customEvents
| where name == "hrsync.bulkupload"
| extend status = toint(customDimensions.status)
| summarize accepted = countif(status == 202), throttled = countif(status == 429), failed = countif(status != 202 and status != 429) by bin(timestamp, 15m)
| order by timestamp asc
'''

var latencyQuery = '''
customEvents
| where name == "hrsync.bulkupload"
| extend latencyMs = toint(customDimensions.latencyMs), throttleWaitMs = toint(customDimensions.throttleWaitMs)
| summarize p50 = percentile(latencyMs, 50), p95 = percentile(latencyMs, 95), waitedSecondsFor429 = sum(throttleWaitMs) / 1000.0 by bin(timestamp, 15m)
| order by timestamp asc
'''

var budgetQuery = '''
let quota = toscalar(customEvents | where name == "hrsync.budget" | summarize max(toint(customDimensions.dailyCalls)));
customEvents
| where name == "hrsync.bulkupload"
| summarize calls = count() by bin(timestamp, 1d)
| extend quota = quota
| order by timestamp asc
'''

var budgetWindowQuery = '''
customEvents
| where name == "hrsync.budget"
| summarize usedInLast24h = max(toint(customDimensions.used)), left = min(toint(customDimensions.left)), quota = max(toint(customDimensions.dailyCalls)) by bin(timestamp, 1h)
| order by timestamp asc
'''

var jobStateQuery = '''
customEvents
| where name == "hrsync.job.state"
| summarize passes = count() by bin(timestamp, 1h), jobStatus = tostring(customDimensions.jobStatus)
| order by timestamp asc
'''

var waitingQuery = '''
union
  (customEvents
    | where name == "hrsync.records.waiting"
    | summarize forManager = sum(toint(customDimensions.waitingForManager)), queued = sum(toint(customDimensions.queued)) by bin(timestamp, 15m)),
  (customEvents
    | where name == "hrsync.uploads.wait"
    | where tostring(customDimensions.why) == "budget"
    | summarize forBudget = sum(toint(customDimensions.operations)) by bin(timestamp, 15m))
| summarize forManager = sum(forManager), queued = sum(queued), forBudget = sum(forBudget) by timestamp
| order by timestamp asc
'''

var failureReasonsQuery = '''
union
  (customEvents
    | where name == "hrsync.run.completed"
    | mv-expand kind=array reason = parse_json(tostring(customDimensions.failureCodes))
    | project kind = "dead-lettered (service code)", reason = tostring(reason[0]), records = toint(reason[1])),
  (customEvents
    | where name == "hrsync.run.completed"
    | mv-expand kind=array reason = parse_json(tostring(customDimensions.rejectedRules))
    | project kind = "rejected (rule)", reason = tostring(reason[0]), records = toint(reason[1]))
| where isnotempty(reason)
| summarize records = sum(records) by kind, reason
| top 20 by records desc
'''

var heldQuery = '''
customEvents
| where name == "hrsync.run.held"
| project timestamp, runId = tostring(customDimensions.runId), source = tostring(customDimensions.source), stage = tostring(customDimensions.stage), thresholds = tostring(customDimensions.thresholds),
    limits = tostring(customDimensions.limits), actuals = tostring(customDimensions.actuals), rows = toint(customDimensions.rows), notSent = toint(customDimensions.notSent)
| order by timestamp desc
'''

// One person across runs: the bulk requests that carried them (with the run) and every log line
// naming them (refused, sent without a manager, ...). The service's side is its provisioning logs.
var personQuery = '''
let id = trim(@"\s+", "{ExternalId}");
union
  (customEvents
    | where name == "hrsync.bulkupload"
    | where tostring(customDimensions.externalIds) has id
    | project timestamp, what = strcat("sent in bulk request ", tostring(customDimensions.requestId), ", HTTP ", tostring(customDimensions.status)), runs = tostring(customDimensions.runIds)),
  (traces
    | where message has id
    | extend e = parse_json(message)
    | where isnotempty(tostring(e.message))
    | project timestamp, what = tostring(e.message), runs = tostring(e.runId))
| order by timestamp desc
'''

var runsOfPersonQuery = '''
let id = trim(@"\s+", "{ExternalId}");
let runs = customEvents
  | where name == "hrsync.bulkupload"
  | where tostring(customDimensions.externalIds) has id
  | mv-expand runId = parse_json(tostring(customDimensions.runIds)) to typeof(string)
  | distinct runId;
customEvents
| where name in ("hrsync.run.completed", "hrsync.run.held")
| extend runId = tostring(customDimensions.runId)
| where runId in (runs)
| project timestamp, runId, source = tostring(customDimensions.source), outcome = name, deadLettered = toint(customDimensions.deadLettered), failureCodes = tostring(customDimensions.failureCodes)
| order by timestamp desc
'''

// What every query item shares: App Insights as the source, the time range picked at the top.
var kqlItem = {
  version: 'KqlItem/1.0'
  size: 0
  queryType: 0
  resourceType: 'microsoft.insights/components'
  timeContextFromParameter: 'TimeRange'
}

// The person's items show only once an externalId is given.
var whenExternalId = {
  parameterName: 'ExternalId'
  comparison: 'isNotEqualTo'
  value: ''
}

var workbookContent = {
  version: 'Notebook/1.0'
  items: [
    {
      type: 1
      name: 'intro'
      content: {
        json: '## hrsync\nRuns and their outcomes, bulkUpload calls, latency and 429s, the daily call budget, the provisioning job\'s state, failure reasons, held runs, and one person\'s history by externalId. Ids and counts only: hrsync sends no names or other HR data to Application Insights.'
      }
    }
    {
      type: 9
      name: 'parameters'
      content: {
        version: 'KqlParameterItem/1.0'
        parameters: [
          {
            id: '6f1d2c51-7a0e-4b7e-9d8e-2f3a1b0c0001'
            version: 'KqlParameterItem/1.0'
            name: 'TimeRange'
            label: 'Time range'
            type: 4
            isRequired: true
            value: {
              durationMs: 604800000
            }
            typeSettings: {
              selectableValues: [
                { durationMs: 86400000 }
                { durationMs: 604800000 }
                { durationMs: 2592000000 }
                { durationMs: 7776000000 }
              ]
            }
          }
          {
            id: '6f1d2c51-7a0e-4b7e-9d8e-2f3a1b0c0002'
            version: 'KqlParameterItem/1.0'
            name: 'ExternalId'
            label: 'externalId (one person\'s history)'
            type: 1
            value: ''
          }
        ]
        style: 'pills'
        queryType: 0
        resourceType: 'microsoft.insights/components'
      }
    }
    {
      type: 3
      name: 'runs'
      content: union(kqlItem, {
        title: 'Runs: started, how they ended, their counts'
        query: runsQuery
        visualization: 'table'
      })
    }
    {
      type: 3
      name: 'outcomes'
      content: union(kqlItem, {
        title: 'Records by outcome per day (completed runs)'
        query: outcomesQuery
        visualization: 'barchart'
      })
    }
    {
      type: 3
      name: 'calls'
      content: union(kqlItem, {
        title: 'bulkUpload calls by answer: accepted (202), throttled (429), failed'
        query: callsQuery
        visualization: 'timechart'
      })
    }
    {
      type: 3
      name: 'latency'
      content: union(kqlItem, {
        title: 'bulkUpload latency (ms, p50 and p95) and seconds 429 answers asked to wait'
        query: latencyQuery
        visualization: 'timechart'
      })
    }
    {
      type: 3
      name: 'budget'
      content: union(kqlItem, {
        title: 'bulkUpload calls per day against the daily quota'
        query: budgetQuery
        visualization: 'barchart'
      })
    }
    {
      type: 3
      name: 'budgetWindow'
      content: union(kqlItem, {
        title: 'Daily budget: calls used in the last 24 hours and left (each reconcile pass)'
        query: budgetWindowQuery
        visualization: 'timechart'
      })
    }
    {
      type: 3
      name: 'job'
      content: union(kqlItem, {
        title: 'Provisioning job state (reconcile passes per hour by state)'
        query: jobStateQuery
        visualization: 'barchart'
      })
    }
    {
      type: 3
      name: 'waiting'
      content: union(kqlItem, {
        title: 'Records waiting: for their manager, queued, turned away by the budget'
        query: waitingQuery
        visualization: 'timechart'
      })
    }
    {
      type: 3
      name: 'failures'
      content: union(kqlItem, {
        title: 'Top failure reasons: dead-lettered by service code, rejected by rule'
        query: failureReasonsQuery
        visualization: 'table'
      })
    }
    {
      type: 3
      name: 'held'
      content: union(kqlItem, {
        title: 'Held runs and the thresholds they went over'
        query: heldQuery
        visualization: 'table'
      })
    }
    {
      type: 3
      name: 'person'
      content: union(kqlItem, {
        title: 'One person\'s history: requests that carried them and log lines naming them'
        query: personQuery
        visualization: 'table'
      })
      conditionalVisibility: whenExternalId
    }
    {
      type: 3
      name: 'personRuns'
      content: union(kqlItem, {
        title: 'The runs that sent them, and how each ended'
        query: runsOfPersonQuery
        visualization: 'table'
      })
      conditionalVisibility: whenExternalId
    }
  ]
  fallbackResourceIds: [
    appInsights.id
  ]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'hrsync-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'hrsync'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: string(workbookContent)
  }
}

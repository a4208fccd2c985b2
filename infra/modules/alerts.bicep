// Alerts and a workbook over Application Insights. They read the JSON events hrsync logs
// ({"message": "...", ...fields}, see functions/log.ts) and the host's own traces, so they
// change with those messages: test/infra checks the event names below still appear in the code.
param location string
param tags object
param appInsightsName string
param poisonQueue string

@description('Email for alert notifications; empty: the alerts fire without notifying anyone.')
param alertEmail string

@minValue(1)
@maxValue(47)
param runCompletionHours int

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
// <queue>-poison, and likewise for a blob the ingest function failed on five times.
var poisonQuery = replace('''
traces
| where message has "MaxDequeueCount" or message has "webjobs-blobtrigger-poison"
| where message has "{poisonQueue}" or message has "webjobs-blobtrigger-poison"
| project timestamp, message, operation_Name
''', '{poisonQueue}', poisonQueue)

var failedRecordsQuery = '''
traces
| where message has "Run complete"
| extend e = parse_json(message)
| where tostring(e.message) == "Run complete"
| where toint(e.rejected) > 0 or toint(e.deadLettered) > 0
| project timestamp, runId = tostring(e.runId), rows = toint(e.rows), rejected = toint(e.rejected), deadLettered = toint(e.deadLettered)
'''

// A run the guard held before sending: nothing of it goes out until someone approves or discards it.
var heldRunsQuery = '''
traces
| where message has "Run held"
| extend e = parse_json(message)
| where tostring(e.message) == "Run held"
| project timestamp, runId = tostring(e.runId), source = tostring(e.source), thresholds = tostring(e.thresholds), rows = toint(e.rows), rejected = toint(e.rejected)
'''

// Reconcile reads the provisioning job each pass and says so while it takes no uploads (paused,
// quarantined): every source waits until someone starts it again.
var jobNotActiveQuery = '''
traces
| where message has "Provisioning job not active"
| extend e = parse_json(message)
| where tostring(e.message) == "Provisioning job not active; uploads wait"
| project timestamp, jobStatus = tostring(e.jobStatus), quarantineReason = tostring(e.quarantineReason), nextAttempt = tostring(e.nextAttempt)
'''

// Reconcile stops a run whose failures in the provisioning logs pass its source's maxFailedPercent
// (of at least 200 outcomes), before Microsoft quarantines the job over 40% failing.
var runStoppedQuery = '''
traces
| where message has "Run stopped"
| extend e = parse_json(message)
| where tostring(e.message) == "Run stopped: too many failures"
| project timestamp, runId = tostring(e.runId), source = tostring(e.source), outcomes = toint(e.outcomes), failures = toint(e.failures), percent = todouble(e.percent), limit = toint(e.limit), notSent = toint(e.notSent)
'''

// Ingest says so when a run needs more calls than the daily budget leaves: it will take days.
var overBudgetQuery = '''
traces
| where message has "Run needs more than the daily budget"
| extend e = parse_json(message)
| where tostring(e.message) == "Run needs more than the daily budget"
| project timestamp, runId = tostring(e.runId), source = tostring(e.source), requests = toint(e.requests), callsLeft = toint(e.callsLeft), days = toint(e.days)
'''

// Runs ingested between expected+1 and expected hours ago that have not completed since.
var overdueRunsQuery = replace('''
let expected = {hours}h;
let ingested = traces
  | where timestamp between (ago(expected + 1h) .. ago(expected))
  | where message has "Ingest finished"
  | extend e = parse_json(message)
  | where tostring(e.message) == "Ingest finished"
  | project runId = tostring(e.runId), ingestedAt = timestamp;
let completed = traces
  | where message has "Run complete"
  | extend e = parse_json(message)
  | where tostring(e.message) == "Run complete"
  | project runId = tostring(e.runId);
ingested
| join kind=leftanti completed on runId
''', '{hours}', string(runCompletionHours))

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
    displayName: 'hrsync: run held by the guard, nothing sent'
    description: 'An extract went over its source\'s thresholds (disables, shrink against the last full extract, rejected rows). Nothing of it was sent. Its report names each threshold with its numbers; "hrsync approve <runId>" sends it, "hrsync discard <runId>" ends it, and a newer extract of the source supersedes it.'
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
    description: 'An extract was ingested but its run has not completed. Look for throttling, a paused or quarantined provisioning job, or records waiting on a manager.'
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

var runsQuery = '''
let ingested = traces
  | where message has "Ingest finished"
  | extend e = parse_json(message)
  | where tostring(e.message) == "Ingest finished"
  | project runId = tostring(e.runId), ingestedAt = timestamp, enqueued = toint(e.enqueued);
let completed = traces
  | where message has "Run complete"
  | extend e = parse_json(message)
  | where tostring(e.message) == "Run complete"
  | project runId = tostring(e.runId), completedAt = timestamp, rows = toint(e.rows), confirmed = toint(e.confirmed), skipped = toint(e.skipped), rejected = toint(e.rejected), deadLettered = toint(e.deadLettered);
ingested
| join kind=leftouter completed on runId
| project runId, ingestedAt, completedAt, hours = round((completedAt - ingestedAt) / 1h, 1), rows, enqueued, confirmed, skipped, rejected, deadLettered
| order by ingestedAt desc
'''

var outcomesQuery = '''
traces
| where message has "Run complete"
| extend e = parse_json(message)
| where tostring(e.message) == "Run complete"
| summarize confirmed = sum(toint(e.confirmed)), skipped = sum(toint(e.skipped)), rejected = sum(toint(e.rejected)), deadLettered = sum(toint(e.deadLettered)) by bin(timestamp, 1d)
'''

// Graph call latency is not logged per call; the upload invocation's duration (one bulk
// request, its pacing and retries) is the nearest measure the host records.
var latencyQuery = '''
requests
| where operation_Name == "upload"
| summarize p50 = percentile(duration, 50), p95 = percentile(duration, 95), calls = count() by bin(timestamp, 15m)
'''

var throttlingQuery = '''
traces
| where message has "Graph throttled the request"
| summarize responses429 = count() by bin(timestamp, 15m)
'''

var workbookContent = {
  version: 'Notebook/1.0'
  items: [
    {
      type: 1
      name: 'intro'
      content: {
        json: '## hrsync\nRuns, records by outcome, upload latency and throttling (429) from Application Insights.'
      }
    }
    {
      type: 3
      name: 'runs'
      content: {
        version: 'KqlItem/1.0'
        title: 'Runs'
        query: runsQuery
        size: 0
        queryType: 0
        resourceType: 'microsoft.insights/components'
        visualization: 'table'
        timeContext: {
          durationMs: 604800000
        }
      }
    }
    {
      type: 3
      name: 'outcomes'
      content: {
        version: 'KqlItem/1.0'
        title: 'Records by outcome (completed runs, per day)'
        query: outcomesQuery
        size: 0
        queryType: 0
        resourceType: 'microsoft.insights/components'
        visualization: 'barchart'
        timeContext: {
          durationMs: 2592000000
        }
      }
    }
    {
      type: 3
      name: 'latency'
      content: {
        version: 'KqlItem/1.0'
        title: 'Upload invocation duration (ms): one bulk request with its pacing and retries'
        query: latencyQuery
        size: 0
        queryType: 0
        resourceType: 'microsoft.insights/components'
        visualization: 'timechart'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
    {
      type: 3
      name: 'throttling'
      content: {
        version: 'KqlItem/1.0'
        title: '429 responses from the provisioning API'
        query: throttlingQuery
        size: 0
        queryType: 0
        resourceType: 'microsoft.insights/components'
        visualization: 'timechart'
        timeContext: {
          durationMs: 86400000
        }
      }
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

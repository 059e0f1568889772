export { allureActive, attachBudgets, attachChart, attachFile, attachLogs, attachSvg, attachText, phaseStep, scenarioLabels, ScenarioLabels, Severity } from './allure.js';
export {
  ALLURE_REPORT, ALLURE_RESULTS, CATEGORIES, copyHistory, executorInfo, reconcileWithJest, resetAllureResults, runInfoFromResults, writeRunFiles, type RunInfo,
} from './allure-run.js';
export { budgetResultsFromHtml, budgetTableHtml, budgetTablePlain } from './budget-html.js';
export { showBudgetsOnTestPages } from './test-page.js';
export { telemetryCsv, telemetryRows, writeTelemetryCsv, TELEMETRY_COLUMNS, type TelemetryRow } from './csv.js';
export { McapRecording, type McapTime, type DetectionFrame, type DetectionInput, type PhaseEvent, type McapRecordingOptions } from './mcap.js';
export { expandDirs, mergeResults, MergeError, type MergeSummary } from './merge.js';
export { altitudeChart, altitudePlot, histogramChart, latencyHistogram, trackChart, trackPlot, renderSvg, type PhaseSpan } from './plots.js';
export { CHART_TYPE, renderCharts, type RenderedCharts } from './charts.js';
export { budgetHistogram, budgetHistogramChart, telemetryPlots, type TelemetryPlotOptions } from './scenario-plots.js';
export { resultsDir, readScenarioRecords, writeScenarioRecord, slug, type ScenarioRecord } from './results.js';
export { ScenarioRecording } from './scenario-recording.js';

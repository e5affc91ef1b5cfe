// Drills: the recorded facts, the score computed from them and the findings they raise. Pure (no
// clock, I/O or Node modules), so workflow code can import it.
export type {
  DrillAudienceFacts,
  DrillFacts,
  DrillFinding,
  DrillMode,
  DrillScore,
  DrillStepFacts,
  LostPoints,
  ScorePart,
  TaxPlatformFacts,
} from './drill.types';
export { scoreDrill, gradeOf, PART_WEIGHTS } from './score';
export { drillFindings } from './findings';

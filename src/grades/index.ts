export * from './evaluation.js';
export {
  GRADES_MODEL_VERSION,
  type Grade,
  type GradeFactor,
  type GradeKind,
  INVESTOR_MIN_BARS,
  investorGrade,
  letterOf,
  TRADER_MIN_BARS,
  traderGrade,
} from './grades.js';
export { createGradeStore, type GradeStore, type RecordedGrade } from './store.js';

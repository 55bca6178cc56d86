export { COMPACT_DIGITS, COMPACT_MAX_ROWS, compact, roundSignificant } from './compact.js';
export { type DocPage, type DocsLibrary, defaultDocsDir, loadDocs } from './docs.js';
export { catalogFromConfig, registerMcpRoutes } from './http.js';
export {
  createMcpCatalog,
  createMcpServer,
  MCP_SERVER_NAME,
  type McpCatalog,
  runTool,
  toolError,
  toolInputSchema,
} from './server.js';
export {
  COMPOSITE_TOOLS,
  type McpTool,
  OPERATION_TOOLS,
  selectTools,
  sourceOf,
  TOOL_PRESETS,
  type ToolCall,
  type ToolContext,
  type ToolPreset,
} from './tools.js';

export {
  type ChatClient,
  type ChatClientOptions,
  type ChatCompletion,
  type ChatMessage,
  type ChatTool,
  type ChatToolCall,
  createChatClient,
} from './chatClient.js';
export {
  AGENT_CHAT_PATH,
  AgentChatBody,
  AgentChatResponse,
  chatClientFromConfig,
  registerAgentRoutes,
} from './http.js';
export {
  AGENT_SYSTEM_PROMPT,
  type AgentEvent,
  type AgentResult,
  type Citation,
  chatTools,
  type RunAgentOptions,
  runAgent,
} from './runAgent.js';

throw new Error("@letta-ai/letta-agent-sdk is not available from the package registry (lettalite test stub)");

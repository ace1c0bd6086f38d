throw new Error("@letta-ai/trajectory is not available from the package registry (lettalite test stub)");

namespace Zhuque.Interpose.Image;

/// <summary>The context file cannot be trusted: wrong magic or ABI, or too short for its tables.</summary>
public sealed class ContextCorruptException(string message) : Exception(message);

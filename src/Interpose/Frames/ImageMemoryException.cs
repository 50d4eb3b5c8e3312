namespace Zhuque.Interpose.Frames;

/// <summary>Saved memory that cannot be read: an address in no region, a missing or short backing file.</summary>
public sealed class ImageMemoryException(string message) : Exception(message);

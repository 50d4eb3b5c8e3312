namespace Zhuque.Interpose.Elf;

/// <summary>The file is not an ELF file this reader understands; the message says why in a few words.</summary>
public sealed class ElfFormatException(string message) : Exception(message);

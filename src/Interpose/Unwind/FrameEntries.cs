namespace Zhuque.Interpose.Unwind;

/// <summary>
/// A Common Information Entry of .eh_frame: what its FDEs share. Initial
/// instructions give the rules at a function's first instruction.
/// HasAugmentationData: its augmentation starts with 'z', so each of its
/// FDEs has an augmentation length to skip.
/// </summary>
public sealed record CommonInformationEntry(
    ulong CodeAlignment,
    long DataAlignment,
    int ReturnAddressRegister,
    byte PointerEncoding,
    bool IsSignalFrame,
    bool HasAugmentationData,
    ReadOnlyMemory<byte> InitialInstructions);

/// <summary>
/// A Frame Description Entry: the code [PcBegin, PcEnd) of one function
/// and the instructions that describe its frames; InstructionsAddress is
/// where they are in memory (for DW_CFA_set_loc).
/// </summary>
public sealed record FrameDescriptionEntry(
    ulong PcBegin,
    ulong PcEnd,
    CommonInformationEntry Cie,
    ReadOnlyMemory<byte> Instructions,
    ulong InstructionsAddress);

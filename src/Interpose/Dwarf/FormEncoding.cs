namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// What the size of some forms depends on: the unit's offset size (DWARF64
/// or not), its address size, and its version (DW_FORM_ref_addr is
/// address-sized in DWARF 2).
/// </summary>
public sealed record FormEncoding(bool Dwarf64, int AddressSize, int Version);

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// DWARF register numbers of x86_64 (System V psABI, figure 3.36): the
/// general registers and the return address column. The unwinder tracks
/// these 17; rules for others (SSE, x87) are read and ignored.
/// </summary>
public static class X86Registers
{
    public const int Rax = 0;
    public const int Rdx = 1;
    public const int Rcx = 2;
    public const int Rbx = 3;
    public const int Rsi = 4;
    public const int Rdi = 5;
    public const int Rbp = 6;
    public const int Rsp = 7;
    public const int R8 = 8;
    public const int R9 = 9;
    public const int R10 = 10;
    public const int R11 = 11;
    public const int R12 = 12;
    public const int R13 = 13;
    public const int R14 = 14;
    public const int R15 = 15;
    public const int ReturnAddress = 16; // rip: the column that holds the caller's pc

    public const int Count = 17;
}

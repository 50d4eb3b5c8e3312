using System.Security.Cryptography;

namespace Zhuque.Launcher.Images;

/// <summary>The program's SHA-256 as the manifest records it (lower-case hex): resume checks it has not changed.</summary>
public static class ProgramHash
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

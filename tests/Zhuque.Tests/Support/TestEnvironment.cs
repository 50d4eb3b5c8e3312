using System.Runtime.CompilerServices;

namespace Zhuque.Tests.Support;

/// <summary>
/// zhuque's default image root is $XDG_RUNTIME_DIR/zhuque/images when that is
/// set: the tests point zhuque at their own XDG_STATE_HOME, so a session's
/// XDG_RUNTIME_DIR must not reach the programs they start.
/// </summary>
static class TestEnvironment
{
    [ModuleInitializer]
    internal static void ClearRuntimeDir() => Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", null);
}

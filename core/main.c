/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The teng binary: LuaJIT runs the command line (lua/teng/cli.lua);
 * C does the data plane, reached from Lua through the FFI (api.h).
 * Every function here touches Lua, hence the script_ prefix.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "teng/api.h"

static int script_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Where the Lua library is: $TENG_LUA_PATH, then the install tree next
 * to the binary, then the source and build trees it was built from. */
static void script_set_path(lua_State *L)
{
	char dir[PATH_MAX + 64], gen[PATH_MAX + 64] = "", path[PATH_MAX * 4];
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	const char *env = getenv("TENG_LUA_PATH");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(probe, sizeof(probe), "%s/../share/teng/lua/teng/cli.lua", exe);
	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (script_exists(probe))
		snprintf(dir, sizeof(dir), "%s/../share/teng/lua", exe);
	else if (script_exists(TENG_LUA_SRC_DIR "/teng/cli.lua")) {
		snprintf(dir, sizeof(dir), "%s", TENG_LUA_SRC_DIR);
		snprintf(gen, sizeof(gen), "%s/?.lua;", TENG_LUA_GEN_DIR);
	} else
		snprintf(dir, sizeof(dir), "%s", TENG_LUA_INSTALL_DIR);
	snprintf(path, sizeof(path), "%s%s/?.lua;%s/?/init.lua;", gen, dir, dir);
	lua_getglobal(L, "package");
	lua_pushstring(L, path);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	/* cli.lua shows it in --version. */
	lua_pushstring(L, dir);
	lua_setglobal(L, "TENG_LUA_DIR");
}

static int script_traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
	return 1;
}

int main(int argc, char **argv)
{
	lua_State *L = luaL_newstate();
	if (L == NULL) {
		fprintf(stderr, "teng: cannot create the Lua state\n");
		return 3;
	}
	luaL_openlibs(L);
	script_set_path(L);

	lua_createtable(L, argc, 1);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_setglobal(L, "arg");

	lua_pushcfunction(L, script_traceback);
	lua_getglobal(L, "require");
	lua_pushstring(L, "teng.cli");
	int rc = 3;
	if (lua_pcall(L, 1, 1, 1) != 0) {
		fprintf(stderr, "teng: %s\n", lua_tostring(L, -1));
		lua_close(L);
		return 3;
	}
	lua_getfield(L, -1, "main");
	lua_getglobal(L, "arg");
	if (lua_pcall(L, 1, 1, 1) != 0)
		fprintf(stderr, "teng: %s\n", lua_tostring(L, -1));
	else
		rc = lua_isnumber(L, -1) ? (int)lua_tointeger(L, -1) : 0;
	fflush(stdout);
	lua_close(L);
	return rc;
}

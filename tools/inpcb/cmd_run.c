/*
 * cmd_run.c - `inpcb run [--seed N|random] [-q] [--explain] FILE|DIR ...`
 *
 * Every argument is a .pcbs file or a directory, whose *.pcbs files run
 * in name order.  All files are parsed first: one that does not parse is
 * reported (FILE:LINE: error: WHAT, on stderr) and does not run, the
 * others still run.  Then the closing line "N passed, N failed".
 * Exit status: 2 if a file could not be read or parsed (or a usage
 * error), else 1 if a statement failed, else 0.
 */
#include "commands.h"
#include "interp.h"
#include "parser.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

struct paths {
	char **v;
	size_t n, cap;
};

static void run_usage(FILE *f)
{
	fprintf(f,
	        "usage: inpcb run [--seed N|random] [-q] [--explain] "
	        "[--comments] FILE.pcbs|DIR ...\n"
	        "  --seed N     seed of the random generator (default %llu);\n"
	        "               'random' picks one and prints it on stderr\n"
	        "  -q           print only failing statements and the totals\n"
	        "  --explain    print the rule that decided each statement\n"
	        "  --comments   print the script's comments with its statements\n"
	        "A directory runs every *.pcbs file in it, in name order.\n",
	        (unsigned long long)INTERP_DEFAULT_SEED);
}

static int paths_add(struct paths *p, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *s;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	s = malloc(len);
	if (!s)
		return -ENOMEM;
	if (dir[0])
		snprintf(s, len, "%s%s%s", dir,
		         dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	else
		snprintf(s, len, "%s", name);
	p->v[p->n++] = s;
	return 0;
}

static void paths_free(struct paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_pcbs(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".pcbs") == 0 && name[0] != '.';
}

/* Add the *.pcbs files of dir, sorted by name. */
static int add_dir(struct paths *p, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = p->n;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "inpcb: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (is_pcbs(e->d_name))
			rc = paths_add(p, dir, e->d_name);
	closedir(d);
	if (rc < 0)
		return rc;
	if (p->n == first)
		fprintf(stderr, "inpcb: %s: no .pcbs files\n", dir);
	qsort(p->v + first, p->n - first, sizeof(*p->v), cmp_str);
	return 0;
}

static int add_arg(struct paths *p, const char *arg)
{
	struct stat sb;

	if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))
		return add_dir(p, arg);
	return paths_add(p, "", arg); /* a missing file is reported later */
}

/* --seed N or --seed random. */
static int parse_seed(const char *s, uint64_t *seed)
{
	char *end;

	if (strcmp(s, "random") == 0) {
		if (getrandom(seed, sizeof(*seed), 0) != sizeof(*seed)) {
			fprintf(stderr, "inpcb: getrandom: %s\n",
			        strerror(errno));
			return -1;
		}
		fprintf(stderr, "inpcb: --seed random: using --seed %llu\n",
		        (unsigned long long)*seed);
		return 0;
	}
	errno = 0;
	*seed = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "inpcb run: bad seed '%s'\n", s);
		return -1;
	}
	return 0;
}

struct run_args {
	struct interp_opts opts;
	struct paths files;
};

/* Options and file arguments; returns -1 (exit 2), 1 (--help) or 0. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	bool opts_done = false;
	int i;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (opts_done || s[0] != '-' || s[1] == '\0') {
			if (add_arg(&a->files, s) < 0)
				return -1;
		} else if (strcmp(s, "--") == 0) {
			opts_done = true;
		} else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
			a->opts.quiet = true;
		} else if (strcmp(s, "--explain") == 0) {
			a->opts.explain = true;
		} else if (strcmp(s, "--comments") == 0) {
			a->opts.comments = true;
		} else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			return 1;
		} else if (strncmp(s, "--seed=", 7) == 0) {
			if (parse_seed(s + 7, &a->opts.seed) < 0)
				return -1;
		} else if (strcmp(s, "--seed") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "inpcb run: --seed needs a "
				        "value\n");
				return -1;
			}
			if (parse_seed(argv[++i], &a->opts.seed) < 0)
				return -1;
		} else {
			fprintf(stderr, "inpcb run: unknown option '%s'\n", s);
			run_usage(stderr);
			return -1;
		}
	}
	if (a->files.n == 0) {
		fprintf(stderr, "inpcb run: no scripts given\n");
		run_usage(stderr);
		return -1;
	}
	return 0;
}

/* Parse every file; unparsable ones are reported and left NULL. */
static bool load_all(const struct paths *files, struct script **scripts)
{
	struct parse_diags diags;
	bool ok = true;
	size_t i;

	for (i = 0; i < files->n; i++) {
		int rc = script_load(files->v[i], &scripts[i], &diags);

		if (rc == -ENOMEM)
			fprintf(stderr, "%s: error: out of memory\n",
			        files->v[i]);
		else if (rc < 0)
			parse_diags_print(stderr, &diags);
		if (rc < 0)
			ok = false;
	}
	return ok;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct run_totals tot = { 0, 0 };
	struct script **scripts;
	bool parsed;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	a.opts.seed = INTERP_DEFAULT_SEED;
	a.opts.out = stdout;
	rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		if (rc > 0)
			run_usage(stdout);
		paths_free(&a.files);
		return rc > 0 ? 0 : 2;
	}
	scripts = calloc(a.files.n, sizeof(*scripts));
	if (!scripts) {
		paths_free(&a.files);
		return 2;
	}
	parsed = load_all(&a.files, scripts);
	for (i = 0; i < a.files.n; i++) {
		if (scripts[i])
			interp_run(scripts[i], &a.opts, &tot);
		script_free(scripts[i]);
	}
	printf("%lu passed, %lu failed\n", tot.passed, tot.failed);
	free(scripts);
	paths_free(&a.files);
	if (!parsed)
		return 2;
	return tot.failed ? 1 : 0;
}

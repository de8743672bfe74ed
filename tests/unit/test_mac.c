/*
 * test_mac.c - MAC policy hooks for PCBs (spec section 10, src/mac/mac.c,
 * include/inpcb/mac.h): registration and its limit; the label's life
 * (init_label at allocation with the socket's credential, destroy_label at
 * free, a failing init_label -> socket creation ENOMEM with nothing left
 * behind: LC-2); check_deliver (a refusal is a silent drop counted in
 * udps_macdrop, unicast and fan-out); check_visible (hides PCBs from
 * inp_pcb_list); MAC-2 (no label unless a policy labels PCBs, no callback
 * of another host's policy: invariant 28) and MAC-3's precedence.
 */
#include "pcb_fixture.h"

/* ---- a test policy: counts its calls, refuses on demand ------------------ */

/* The label a policy gives a PCB: the uid it was created for. */
struct label {
	uint32_t uid;
	struct policy *owner;
};

struct policy {
	unsigned init, destroy, deliver, visible;   /* calls */
	int live;                   /* labels created and not destroyed */
	int init_err;               /* init_label's answer */
	int deliver_err;            /* for labels of refuse_uid (or all) */
	int visible_err;            /* for labels of refuse_uid (or all) */
	uint32_t refuse_uid;        /* whose labels the checks refuse */
	bool refuse_all;            /* ... or everyone's (MAC-3 table) */
	void *last_label;           /* the label the last check saw */
	const struct inp_cred *last_viewer;
	sa_family_t last_src_family;
	size_t last_len;
};

static int p_init(void *ctx, const struct inp_cred *cred, void **label)
{
	struct policy *pol = ctx;
	struct label *l;

	pol->init++;
	if (pol->init_err != 0)
		return pol->init_err;
	l = malloc(sizeof(*l));
	if (l == NULL)
		return ENOMEM;
	l->uid = cred->uid;
	l->owner = pol;
	pol->live++;
	*label = l;
	return 0;
}

static void p_destroy(void *ctx, void *label)
{
	struct policy *pol = ctx;

	pol->destroy++;
	assert_ptr_equal(((struct label *)label)->owner, pol);
	pol->live--;
	free(label);
}

/* Does pol refuse a PCB with this label?  NULL: a PCB without a label. */
static bool p_refuses(const struct policy *pol, const void *label)
{
	const struct label *l = label;

	return pol->refuse_all || (l != NULL && l->uid == pol->refuse_uid);
}

static int p_deliver(void *ctx, void *label, const struct sockaddr *src,
                     size_t len)
{
	struct policy *pol = ctx;

	pol->deliver++;
	pol->last_label = label;
	pol->last_src_family = src != NULL ? src->sa_family : AF_UNSPEC;
	pol->last_len = len;
	return p_refuses(pol, label) ? pol->deliver_err : 0;
}

static int p_visible(void *ctx, const struct inp_cred *viewer, void *label)
{
	struct policy *pol = ctx;

	pol->visible++;
	pol->last_label = label;
	pol->last_viewer = viewer;
	return p_refuses(pol, label) ? pol->visible_err : 0;
}

static const struct inp_mac_ops labelling_ops = {
	.labels_pcbs = true,
	.init_label = p_init,
	.destroy_label = p_destroy,
	.check_deliver = p_deliver,
	.check_visible = p_visible,
};

/* Every callback, but the policy does not declare that it labels PCBs. */
static const struct inp_mac_ops nonlabelling_ops = {
	.labels_pcbs = false,
	.init_label = p_init,
	.destroy_label = p_destroy,
	.check_deliver = p_deliver,
	.check_visible = p_visible,
};

static const struct inp_mac_ops empty_ops;   /* no callback at all */

/* ---- the world: the preamble (em0 192.0.2.10/24) and alice ------------- */

static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_preamble(f);
	fx_alice(f);
	*state = f;
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

static unsigned cred_refs(const struct inp_cred *c)
{
	return atomic_load(&c->refcount);
}

/* This policy's label on p (slot i of the per-policy array), or NULL. */
static void *label_of(struct inp_sock *so, unsigned slot)
{
	void **labels = inp_sock_pcb(so)->mac_label;

	return labels != NULL ? labels[slot] : NULL;
}

/* A UDP socket of cred bound to 0.0.0.0:port, udata = its label string. */
static struct inp_sock *bound(struct fx *f, struct inp_cred *cred,
                              const char *label, unsigned port, int reuse)
{
	struct inp_sock *so = fx_sock(f, AF_INET, INP_PROTO_UDP, cred);

	assert_int_equal(inp_sock_set_label(so, label), 0);
	inp_sock_set_udata(so, (void *)label);
	if (reuse)
		fx_setopt_int_ok(so, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(so, "0.0.0.0", port);
	return so;
}

static enum inp_udp_outcome deliver(struct fx *f, const char *dst,
                                    unsigned dport, unsigned *n)
{
	struct sockaddr_in s = fx_sin4("192.0.2.77", 4000);
	struct sockaddr_in d = fx_sin4(dst, dport);
	struct inp_udp_meta meta = { .rcvif = f->em0, .ttl = 64,
	                             .payload = "abc", .len = 3 };
	struct inp_udp_result res = { 0 };

	assert_int_equal(inp_udp_deliver(f->vnet, (struct sockaddr *)&s,
	                                 (struct sockaddr *)&d, &meta, &res,
	                                 NULL), 0);
	if (n != NULL)
		*n = res.n;
	return res.outcome;
}

static uint64_t macdrops(struct fx *f)
{
	struct inp_udpstat st;

	assert_int_equal(inp_udp_stats(f->vnet, &st), 0);
	return st.udps_macdrop;
}

static unsigned queued(struct inp_sock *so)
{
	unsigned n = 0;

	while (inp_sock_recv(so, NULL, NULL, 0) >= 0)
		n++;
	return n;
}

struct seen {
	unsigned n;
	char labels[8][INP_LABEL_MAX];
};

static int collect(const struct inp_pcb_info *info, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->labels[s->n], INP_LABEL_MAX, "%s", info->label);
	s->n++;
	return 0;
}

/* ---- registration -------------------------------------------------------- */

static void test_register(void **state)
{
	struct fx *f = *state;
	struct policy pol[8];
	struct inp_sock *so;
	unsigned i, n;

	memset(pol, 0, sizeof(pol));
	assert_int_equal(inp_mac_register(NULL, &empty_ops, NULL), -EINVAL);
	assert_int_equal(inp_mac_register(f->host, NULL, NULL), -EINVAL);
	assert_int_equal(f->host->n_mac, 0);
	/* Eight policies, then the table is full. */
	for (i = 0; i < 7; i++)
		assert_int_equal(inp_mac_register(f->host, &empty_ops, NULL), 0);
	assert_int_equal(inp_mac_register(f->host, &labelling_ops, &pol[7]), 0);
	assert_int_equal(inp_mac_register(f->host, &labelling_ops, &pol[0]),
	                 -ENOBUFS);
	assert_int_equal(f->host->n_mac, 8);

	/* Policies without callbacks are skipped; the eighth one is asked. */
	so = bound(f, NULL, "r", 5000, 0);
	assert_int_equal(pol[7].init, 1);
	assert_non_null(label_of(so, 7));
	assert_null(label_of(so, 0));           /* an empty policy's slot */
	assert_int_equal(deliver(f, "192.0.2.10", 5000, &n), INP_UDP_DELIVERED);
	assert_int_equal(n, 1);
	assert_int_equal(pol[7].deliver, 1);
	assert_ptr_equal(pol[7].last_label, label_of(so, 7));
	assert_int_equal(pol[0].init + pol[0].deliver, 0);   /* refused one */
	fx_sock_close(f, so);
	assert_int_equal(pol[7].destroy, 1);
	assert_int_equal(pol[7].live, 0);
}

/* ---- MAC-2 / invariant 28 ---------------------------------------------- */

/*
 * Without a policy no PCB has a label and nothing is called -- not even
 * a policy registered with another host.
 */
static void test_no_policy_no_label_no_callback(void **state)
{
	struct fx *f = *state;
	struct fx *other = fx_new(NULL);
	struct policy pol;
	struct inp_sock *a, *b;
	struct seen s;
	unsigned n;

	memset(&pol, 0, sizeof(pol));
	assert_int_equal(inp_mac_register(other->host, &labelling_ops, &pol), 0);

	b = bound(f, f->alice, "b", 5001, 1);   /* alice first: T1 */
	a = bound(f, NULL, "a", 5001, 1);
	assert_null(inp_sock_pcb(a)->mac_label);
	assert_null(inp_sock_pcb(b)->mac_label);
	assert_int_equal(deliver(f, "192.0.2.10", 5001, &n), INP_UDP_DELIVERED);
	assert_int_equal(deliver(f, "192.0.2.255", 5001, &n), INP_UDP_DELIVERED);
	assert_int_equal(n, 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, f->alice, collect,
	                              &s, NULL), 2);
	fx_sock_close(f, a);
	fx_sock_close(f, b);
	assert_int_equal(pol.init + pol.destroy + pol.deliver + pol.visible, 0);
	assert_int_equal(macdrops(f), 0);
	fx_fini(other);
	free(other);
}

/*
 * MAC-2: a label is allocated only when a registered policy declares that
 * it labels PCBs; the check hooks still run, with no label.
 */
static void test_nonlabelling_policy(void **state)
{
	struct fx *f = *state;
	struct policy pol;
	struct inp_sock *a;
	struct seen s;

	memset(&pol, 0, sizeof(pol));
	assert_int_equal(inp_mac_register(f->host, &nonlabelling_ops, &pol), 0);
	a = bound(f, NULL, "a", 5002, 0);
	assert_int_equal(pol.init, 0);
	assert_null(inp_sock_pcb(a)->mac_label);
	pol.last_label = (void *)1;
	assert_int_equal(deliver(f, "192.0.2.10", 5002, NULL),
	                 INP_UDP_DELIVERED);
	assert_int_equal(pol.deliver, 1);
	assert_null(pol.last_label);
	memset(&s, 0, sizeof(s));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, f->alice, collect,
	                              &s, NULL), 1);
	assert_int_equal(pol.visible, 1);
	fx_sock_close(f, a);
	assert_int_equal(pol.destroy, 0);
}

/* ---- MAC-1: the label's life ---------------------------------------------- */

static void test_label_lifecycle(void **state)
{
	struct fx *f = *state;
	struct policy pol;
	struct inp_sock *a, *r;
	struct label *la;

	memset(&pol, 0, sizeof(pol));
	assert_int_equal(inp_mac_register(f->host, &labelling_ops, &pol), 0);
	a = fx_sock(f, AF_INET, INP_PROTO_UDP, f->alice);
	r = fx_sock(f, AF_INET6, INP_PROTO_TCP, NULL);
	assert_int_equal(pol.init, 2);
	assert_int_equal(pol.live, 2);
	/* init_label sees the creating socket's credential. */
	la = label_of(a, 0);
	assert_non_null(la);
	assert_int_equal(la->uid, FX_ALICE_UID);
	assert_int_equal(((struct label *)label_of(r, 0))->uid, 0);
	/* destroy_label runs when the PCB is freed, once. */
	fx_sock_close(f, a);
	assert_int_equal(pol.destroy, 1);
	assert_int_equal(pol.live, 1);
	fx_sock_close(f, r);
	assert_int_equal(pol.destroy, 2);
	assert_int_equal(pol.live, 0);
}

/*
 * LC-2 / MAC-1: any policy's init_label failure is ENOMEM, whatever it
 * returned; the labels already made are destroyed, nothing is linked,
 * the credential is not held.
 */
static void test_init_failure_is_enomem(void **state)
{
	struct fx *f = *state;
	struct policy first, second;
	struct inp_sock *so = (struct inp_sock *)0x1;
	unsigned refs0 = cred_refs(f->alice);
	uint64_t gen0 = fx_info(f, INP_PROTO_UDP)->gencnt;

	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	assert_int_equal(inp_mac_register(f->host, &labelling_ops, &first), 0);
	assert_int_equal(inp_mac_register(f->host, &labelling_ops, &second), 0);
	second.init_err = EPERM;
	assert_int_equal(inp_sock_open(f->vnet, AF_INET, INP_PROTO_UDP, f->alice,
	                               &so), -ENOMEM);
	assert_ptr_equal(so, (struct inp_sock *)0x1);      /* not written */
	assert_int_equal(first.init, 1);
	assert_int_equal(second.init, 1);
	assert_int_equal(first.destroy, 1);                /* undone */
	assert_int_equal(first.live, 0);
	assert_int_equal(second.destroy, 0);               /* none made */
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), 0);
	assert_int_equal(fx_info(f, INP_PROTO_UDP)->gencnt, gen0);
	assert_int_equal(cred_refs(f->alice), refs0);

	/* A negative errno is a failure too; then it works again. */
	second.init_err = -EACCES;
	assert_int_equal(inp_sock_open(f->vnet, AF_INET6, INP_PROTO_TCP, NULL,
	                               &so), -ENOMEM);
	second.init_err = 0;
	so = fx_sock(f, AF_INET, INP_PROTO_UDP, f->alice);
	assert_int_equal(cred_refs(f->alice), refs0 + 2);  /* socket + PCB */
	assert_int_equal(first.live + second.live, 2);
	fx_sock_close(f, so);
	assert_int_equal(first.live + second.live, 0);
	assert_int_equal(cred_refs(f->alice), refs0);
}

/* ---- MAC-1: check_deliver ------------------------------------------------- */

static void test_check_deliver(void **state)
{
	struct fx *f = *state;
	struct policy pol;
	struct inp_sock *r, *a;
	struct inp_explain why;
	struct sockaddr_in s = fx_sin4("192.0.2.77", 4000);
	struct sockaddr_in d = fx_sin4("192.0.2.10", 5004);
	struct inp_udp_meta meta = { .rcvif = f->em0, .len = 7 };
	struct inp_udp_result res = { 0 };
	unsigned n;

	memset(&pol, 0, sizeof(pol));
	pol.refuse_uid = FX_ALICE_UID;
	pol.deliver_err = EACCES;
	assert_int_equal(inp_mac_register(f->host, &labelling_ops, &pol), 0);
	r = bound(f, NULL, "r", 5003, 1);
	a = bound(f, f->alice, "a", 5004, 1);

	/* Unicast to alice's socket: dropped silently, counted. */
	assert_int_equal(inp_udp_deliver(f->vnet, (struct sockaddr *)&s,
	                                 (struct sockaddr *)&d, &meta, &res,
	                                 &why), 0);
	assert_int_equal(res.outcome, INP_UDP_DROPPED);
	assert_int_equal(res.n, 0);
	assert_string_equal(why.rule, "UD-10");
	assert_int_equal(macdrops(f), 1);
	assert_int_equal(queued(a), 0);
	/* The hook saw alice's label, the source and the length. */
	assert_ptr_equal(pol.last_label, label_of(a, 0));
	assert_int_equal(pol.last_src_family, AF_INET);
	assert_int_equal(pol.last_len, 7);
	/* Root's socket is not refused. */
	assert_int_equal(deliver(f, "192.0.2.10", 5003, &n), INP_UDP_DELIVERED);
	assert_int_equal(queued(r), 1);

	/* Fan-out: the refused recipient is skipped, the others served. */
	fx_sock_close(f, r);
	r = bound(f, NULL, "r", 5004, 1);
	assert_int_equal(deliver(f, "192.0.2.255", 5004, &n), INP_UDP_DELIVERED);
	assert_int_equal(n, 1);
	assert_int_equal(queued(r), 1);
	assert_int_equal(queued(a), 0);
	assert_int_equal(macdrops(f), 1);      /* delivered: one outcome */
	/* Only refused recipients: one udps_macdrop for the datagram. */
	fx_sock_close(f, r);
	assert_int_equal(deliver(f, "192.0.2.255", 5004, &n), INP_UDP_DROPPED);
	assert_int_equal(n, 0);
	assert_int_equal(macdrops(f), 2);
	fx_sock_close(f, a);
}

/* ---- MAC-1: check_visible --------------------------------------------------- */

static void test_check_visible(void **state)
{
	struct fx *f = *state;
	struct policy pol;
	struct inp_sock *r, *a;
	struct seen s;

	memset(&pol, 0, sizeof(pol));
	pol.refuse_uid = FX_ALICE_UID;
	pol.visible_err = ESRCH;
	assert_int_equal(inp_mac_register(f->host, &labelling_ops, &pol), 0);
	r = bound(f, NULL, "r", 5005, 0);
	a = bound(f, f->alice, "a", 5006, 0);

	/* A viewer: alice's PCB is omitted, the hook saw the viewer. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, f->host->root_cred,
	                              collect, &s, NULL), 1);
	assert_string_equal(s.labels[0], "r");
	assert_int_equal(pol.visible, 2);
	assert_ptr_equal(pol.last_viewer, f->host->root_cred);
	/* No viewer (NULL): sees everything, no check at all. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, NULL, collect, &s,
	                              NULL), 2);
	assert_int_equal(pol.visible, 2);
	/* Refusing nobody: both listed. */
	pol.refuse_uid = 4242;
	memset(&s, 0, sizeof(s));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, f->alice, collect,
	                              &s, NULL), 2);
	assert_string_equal(s.labels[0], "a");            /* newest first */
	assert_string_equal(s.labels[1], "r");
	fx_sock_close(f, r);
	fx_sock_close(f, a);
}

/* ---- MAC-3: several policies --------------------------------------------- */

static void test_precedence(void **state)
{
	struct fx *f = *state;
	static const struct {
		int a, b, c, want;
	} rows[] = {
		{ 0, 0, 0, 0 },
		{ EPERM, 0, 0, -EPERM },
		{ 0, 0, EIO, -EIO },
		{ EPERM, EACCES, 0, -EACCES },
		{ EACCES, EPERM, EIO, -EACCES },
		{ EIO, EPERM, 0, -EPERM },          /* EPERM beats other errors */
		{ EIO, ENOMEM, 0, -EIO },           /* others: the first one */
		{ ENOENT, EACCES, 0, -ENOENT },
		{ ENOENT, ESRCH, EACCES, -ESRCH },
		{ ESRCH, EINVAL, EPERM, -EINVAL },
		{ EINVAL, EDEADLK, ESRCH, -EDEADLK },
		{ -EACCES, -EPERM, 0, -EACCES },    /* negative errnos too */
	};
	struct policy pol[3];
	struct inp_pcb *p;
	struct sockaddr_in src = fx_sin4("198.51.100.1", 9);
	size_t i;
	unsigned k;

	memset(pol, 0, sizeof(pol));
	for (k = 0; k < 3; k++) {
		pol[k].refuse_all = true;
		assert_int_equal(inp_mac_register(f->host, &labelling_ops,
		                                  &pol[k]), 0);
	}
	p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "p");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		pol[0].deliver_err = pol[0].visible_err = rows[i].a;
		pol[1].deliver_err = pol[1].visible_err = rows[i].b;
		pol[2].deliver_err = pol[2].visible_err = rows[i].c;
		pcb_rlock(p);
		assert_int_equal(mac_pcb_check_deliver(f->host, p,
		                                       (struct sockaddr *)&src,
		                                       3), rows[i].want);
		assert_int_equal(mac_pcb_check_visible(f->host,
		                                       f->host->root_cred, p),
		                 rows[i].want);
		pcb_unlock(p);
	}
	/* Every policy was consulted every time. */
	for (k = 0; k < 3; k++) {
		assert_int_equal(pol[k].deliver, sizeof(rows) / sizeof(rows[0]));
		assert_int_equal(pol[k].visible, sizeof(rows) / sizeof(rows[0]));
	}
	fx_free(p);
	for (k = 0; k < 3; k++)
		assert_int_equal(pol[k].live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register),
		T(test_no_policy_no_label_no_callback),
		T(test_nonlabelling_policy),
		T(test_label_lifecycle),
		T(test_init_failure_is_enomem),
		T(test_check_deliver),
		T(test_check_visible),
		T(test_precedence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * mac.c - MAC policy hooks for PCBs (spec section 10).
 *
 * MAC-2: with no policy registered every hook is one load and one branch
 * (host->n_mac == 0) and no PCB has a label.  With policies, a PCB's
 * mac_label is an array with one slot per policy slot, so that several
 * labelling policies each keep their own label; every policy is consulted
 * and refusals combine by the precedence of MAC-3.
 */
#include "pcb/pcb_internal.h"

#include <stdlib.h>

int inp_mac_register(struct inp_host *host, const struct inp_mac_ops *ops,
                     void *ctx)
{
	int rc = 0;

	if (host == NULL || ops == NULL)
		return -EINVAL;
	pthread_mutex_lock(&host->lock);
	if (host->n_mac >= MAC_MAX_POLICIES) {
		rc = -ENOBUFS;
	} else {
		host->mac[host->n_mac].ops = ops;
		host->mac[host->n_mac].ctx = ctx;
		host->n_mac++;
		if (ops->labels_pcbs)
			host->mac_labels = true;
	}
	pthread_mutex_unlock(&host->lock);
	return rc;
}

/* MAC-3: EDEADLK > EINVAL > ESRCH > ENOENT > EACCES > EPERM > other > 0. */
static int mac_rank(int err)
{
	static const int order[] = { EDEADLK, EINVAL, ESRCH, ENOENT, EACCES,
	                             EPERM };
	unsigned i;

	if (err == 0)
		return 100;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (err == order[i])
			return (int)i;
	return 50;
}

/* Combine two results; both are positive errnos or 0. */
static int mac_error_select(int a, int b)
{
	return mac_rank(b) < mac_rank(a) ? b : a;
}

static int errno_abs(int err)
{
	return err < 0 ? -err : err;
}

static void **pcb_labels(const struct inp_pcb *p)
{
	return (void **)p->mac_label;
}

static void mac_labels_free(struct inp_host *host, void **labels)
{
	unsigned i;

	for (i = 0; i < host->n_mac && i < MAC_MAX_POLICIES; i++) {
		const struct inp_mac_ops *ops = host->mac[i].ops;
		if (ops->labels_pcbs && ops->destroy_label != NULL &&
		    labels[i] != NULL)
			ops->destroy_label(host->mac[i].ctx, labels[i]);
	}
	free(labels);
}

/* MAC-1 inpcb_init_label: any failure of any policy is ENOMEM. */
int mac_pcb_init_label(struct inp_host *host, struct inp_pcb *p)
{
	void **labels;
	unsigned i;

	if (host->n_mac == 0)
		return 0;
	p->mac_label = NULL;
	if (!host->mac_labels)
		return 0;   /* MAC-2: nobody labels PCBs */
	labels = calloc(MAC_MAX_POLICIES, sizeof(*labels));
	if (labels == NULL)
		return -ENOMEM;
	for (i = 0; i < host->n_mac; i++) {
		const struct inp_mac_ops *ops = host->mac[i].ops;
		if (!ops->labels_pcbs || ops->init_label == NULL)
			continue;
		if (ops->init_label(host->mac[i].ctx, p->cred, &labels[i]) != 0) {
			mac_labels_free(host, labels);
			return -ENOMEM;
		}
	}
	p->mac_label = labels;
	return 0;
}

void mac_pcb_destroy_label(struct inp_host *host, struct inp_pcb *p)
{
	if (host->n_mac == 0 || p->mac_label == NULL)
		return;
	mac_labels_free(host, pcb_labels(p));
	p->mac_label = NULL;
}

/*
 * One policy's answer to a check hook: 0 when the policy has no such hook.
 * label is the policy's label on the PCB (NULL when it labels none).
 */
typedef int (*mac_check_fn)(const struct inp_mac_ops *ops, void *ctx,
                            void *label, const void *args);

/* Ask every policy and combine the refusals by MAC-3's precedence. */
static int mac_check(struct inp_host *host, struct inp_pcb *p,
                     mac_check_fn check, const void *args)
{
	void **labels = pcb_labels(p);
	int err = 0;
	unsigned i;

	for (i = 0; i < host->n_mac; i++)
		err = mac_error_select(err, errno_abs(check(host->mac[i].ops,
		          host->mac[i].ctx, labels ? labels[i] : NULL, args)));
	return -err;
}

struct deliver_args {
	const struct sockaddr *src;
	size_t len;
};

static int ask_deliver(const struct inp_mac_ops *ops, void *ctx,
                       void *label, const void *args)
{
	const struct deliver_args *a = args;

	if (ops->check_deliver == NULL)
		return 0;
	return ops->check_deliver(ctx, label, a->src, a->len);
}

static int ask_visible(const struct inp_mac_ops *ops, void *ctx,
                       void *label, const void *viewer)
{
	if (ops->check_visible == NULL)
		return 0;
	return ops->check_visible(ctx, viewer, label);
}

/* MAC-1 inpcb_check_deliver: a refusal is a silent drop by the caller. */
int mac_pcb_check_deliver(struct inp_host *host, struct inp_pcb *p,
                          const struct sockaddr *src, size_t len)
{
	struct deliver_args args = { src, len };

	if (host->n_mac == 0)
		return 0;
	return mac_check(host, p, ask_deliver, &args);
}

/* MAC-1 inpcb_check_visible: a refusal omits the PCB from listings. */
int mac_pcb_check_visible(struct inp_host *host, const struct inp_cred *viewer,
                          struct inp_pcb *p)
{
	if (host->n_mac == 0)
		return 0;
	return mac_check(host, p, ask_visible, viewer);
}

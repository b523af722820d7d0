// SPDX-License-Identifier: GPL-2.0
/*
 * A tenant's kernel log: the "[netns N] " tag read (and refused when it
 * is not quite that), lines routed to the tenant of their namespace and
 * to no other, the ring keeping the last 256 in order, a tenant gone
 * taking its lines with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenant/klog.h"

#include "check.h"

static unsigned int nsaid, nheld;

static void said(const char *tenant, const char *text, unsigned long len, unsigned int held)
{
	nsaid++;
	nheld += held;
}

static unsigned int parse(const char *s, const char **rest)
{
	*rest = NULL;
	return klog_parse(s, strlen(s), rest);
}

static int line(const char *s)
{
	return klog_line(s, strlen(s));
}

static int count(const char *name, const char *needle)
{
	char *text, *p;
	size_t len;
	int n = 0;

	if (klog_read(name, &text, &len))
		return -1;
	for (p = text; (p = strstr(p, needle)); p++)
		n++;
	free(text);
	return n;
}

int main(void)
{
	const char *rest;
	char buf[64], *text;
	size_t len;
	int i;

	klog_say_to(said);
	CHECK(parse("[netns 4026532000] T: IN=eth0", &rest) == 4026532000u &&
	      !strcmp(rest, "T: IN=eth0"), "a tagged line");
	CHECK(parse("[netns 1] x", &rest) == 1, "the smallest number");
	CHECK(!parse("T: IN=eth0", &rest), "untagged");
	CHECK(!parse("[netns ] x", &rest), "no number");
	CHECK(!parse("[netns 0] x", &rest), "zero");
	CHECK(!parse("[netns 4294967296] x", &rest), "over 32 bits");
	CHECK(!parse("[netns 99999999999999999999999] x", &rest), "far over");
	CHECK(!parse("[netns 12]x", &rest), "no blank after");
	CHECK(!parse("[netns 12 x", &rest), "no bracket");
	CHECK(!parse("[netns 12]", &rest), "nothing after");
	CHECK(!parse("[netns 1a] x", &rest), "not a number");
	CHECK(!klog_parse("[netns 12] x", 10, &rest), "the length counts, not the NUL");

	CHECK(!klog_add("t", 100) && !klog_add("u", 200), "add");
	CHECK(line("[netns 100] one\n") == 1 && line("[netns 200] two") == 1, "routed");
	CHECK(line("[netns 300] nobody's") == 1, "a namespace of no tenant: taken, dropped");
	CHECK(line("plain kernel line") == 0, "an untagged line is not taken");
	CHECK(count("t", "one") == 1 && count("t", "two") == 0, "t has its own line");
	CHECK(count("u", "two") == 1 && count("u", "one") == 0, "u has its own line");
	CHECK(count("t", "\n") == 1, "the newline of the line is not doubled");
	CHECK(klog_read("nobody", &text, &len) == -ENOENT, "no such tenant");
	for (i = 0; i < 300; i++) {
		snprintf(buf, sizeof(buf), "[netns 100] n%03d;", i);
		line(buf);
	}
	CHECK(count("t", "\n") == 256, "the last 256 kept");
	CHECK(nsaid <= 2 * 20 + 2, "the daemon's log: at most 20 a second (%u said)", nsaid);
	CHECK(count("t", "one") == 0 && count("t", "n043;") == 0 && count("t", "n044;") == 1 &&
	      count("t", "n299;") == 1, "the oldest went first");
	CHECK(!klog_read("t", &text, &len) && strstr(text, "n044;") < strstr(text, "n299;") &&
	      len == strlen(text), "oldest first");
	free(text);
	klog_del("t");
	CHECK(klog_read("t", &text, &len) == -ENOENT, "gone with its tenant");
	CHECK(line("[netns 100] late") == 1 && count("u", "late") == 0, "a line after: nobody's");
	klog_del("u");
	klog_del("u");
	return failed;
}

// SPDX-License-Identifier: MIT OR Apache-2.0
// The JNI binding on this machine's JVM, run by ffi/tests/jni.rs (exit status 0 = all passed).
// Messages written for this test, not taken from any data set.
import org.smsguard.Prediction;
import org.smsguard.SmsGuard;

public final class SmsGuardCheck {
    private static int failures = 0;

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("FAILED: " + what);
            failures++;
        }
    }

    /** Median microseconds per call of classify and classifyJson (after warming up). */
    private static void time() {
        SmsGuard g = SmsGuard.withDefaultModel();
        String[] msgs = {
            "【顺丰速运】您的验证码为 730514，10分钟内有效，请勿泄露给他人。",
            "【招商银行】您尾号3309的信用卡本期账单已出，应还金额2,180.40元，到期还款日12月18日。",
            "【美妆旗舰店】双十二狂欢价！精华买一送一，全场满199减40，点击 t.cn/Ab3dEf 抢购，回T退订",
        };
        for (int round = 0; round < 2; round++) {
            long[] a = new long[3000], b = new long[3000];
            for (int i = 0; i < a.length; i++) {
                String m = msgs[i % msgs.length];
                long t0 = System.nanoTime();
                g.classify(m);
                long t1 = System.nanoTime();
                g.classifyJson(m);
                long t2 = System.nanoTime();
                a[i] = t1 - t0;
                b[i] = t2 - t1;
            }
            java.util.Arrays.sort(a);
            java.util.Arrays.sort(b);
            if (round == 1) {
                System.out.printf("JNI median: classify %.1f us, classifyJson %.1f us%n",
                        a[a.length / 2] / 1e3, b[b.length / 2] / 1e3);
            }
        }
        g.close();
    }

    public static void main(String[] args) throws Exception {
        SmsGuard g = SmsGuard.withDefaultModel();
        {
            // An emoji (two UTF-16 units) before the code: offsets are String indices.
            String msg = "【顺丰速运】😀您的验证码为 730514，10分钟内有效，请勿泄露给他人。";
            Prediction p = g.classify(msg);
            check(p.label.equals("verification"), "label " + p.label);
            check(p.code != null && msg.substring(p.code.start, p.code.end).equals("730514"),
                    "code offsets");
            check(p.code != null && p.code.text.equals("730514"), "code text");
            check(p.sender != null && p.sender.text.equals("顺丰速运"), "sender");
            check(!p.fold, "a code is never folded");
            check("code".equals(p.protectedBy), "protected by the code: " + p.protectedBy);
            check("other".equals(p.codePurpose), "purpose: " + p.codePurpose);
            Prediction reset = g.classify("【云栈】您申请了重置密码，请点击 https://yz.example.com/r/K8d2 完成，30分钟内有效。");
            check("reset_link".equals(reset.secretKind) && !reset.fold, "reset link: " + reset.secretKind);
            check(p.scores.length == 4, "four scores");

            Prediction ad = g.classify("【美妆旗舰店】双十二狂欢价！精华买一送一，全场满199减40，点击 t.cn/Ab3dEf 抢购，回T退订");
            check(ad.label.equals("marketing"), "marketing: " + ad.label);
            check("T".equals(ad.optOutReply), "opt-out reply " + ad.optOutReply);

            Prediction mom = g.classify("妈，我今晚加班，不回家吃饭了，你们先吃");
            check(mom.label.equals("personal") && !mom.fold, "personal, not folded: " + mom.label);

            String json = g.classifyJson(msg);
            check(json.contains("\"label\":\"verification\""), "JSON " + json);
            check(g.classifyJson(" ").contains("\"error\""), "empty message is a JSON error");

            try {
                g.classify(null);
                check(false, "null message must throw");
            } catch (NullPointerException expected) {
            }
            try {
                SmsGuard.fromBytes(new byte[] {1, 2, 3});
                check(false, "junk model must throw");
            } catch (IllegalArgumentException expected) {
                check(expected.getMessage().contains("expected"), "says what was expected: "
                        + expected.getMessage());
            }

            // One classifier, several threads at once.
            Thread[] threads = new Thread[4];
            int[] wrong = new int[threads.length];
            for (int i = 0; i < threads.length; i++) {
                final int t = i;
                threads[i] = new Thread(() -> {
                    for (int k = 0; k < 50; k++) {
                        if (!g.classify(msg).label.equals("verification")) wrong[t]++;
                    }
                });
                threads[i].start();
            }
            for (int i = 0; i < threads.length; i++) {
                threads[i].join();
                check(wrong[i] == 0, "thread " + i + ": " + wrong[i] + " wrong");
            }

            g.close();
            try {
                g.classify(msg);
                check(false, "a closed classifier must throw");
            } catch (IllegalStateException expected) {
            }
            g.close(); // closing twice is harmless
        }
        if (System.getenv("SMSGUARD_JNI_TIMING") != null) time();
        if (failures > 0) {
            System.err.println(failures + " check(s) failed");
            System.exit(1);
        }
        System.out.println("smsguard JNI: all checks passed");
    }
}

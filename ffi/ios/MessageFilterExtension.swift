// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A minimal iOS Message Filter extension (IdentityLookup) calling smsguard through its C ABI
// (module map beside this file). A sketch for app developers: it is NOT compiled or run on
// the project's machines (no Apple toolchain); the C calls it makes are the ones
// ffi/tests/c/smoke.c tests on every CI run.
//
// Mapping (iOS 16 actions and sub-actions):
//   marketing that smsguard says to fold -> .promotion (sub-action .promotionalOthers)
//   marketing it does not fold (unsure, or a code was found) -> .none (the system decides)
//   transactional -> .transaction, sub-action .transactionalOrders when a parcel pickup code
//                    was found, else .transactionalOthers (smsguard has no finer sub-type yet)
//   verification, personal -> .allow (never filtered)
import IdentityLookup
import SmsGuard

final class MessageFilterExtension: ILMessageFilterExtension {}

extension MessageFilterExtension: ILMessageFilterQueryHandling {
    /// One classifier for the extension's lifetime: loading costs a few milliseconds, and a
    /// classifier is immutable and safe to share between threads.
    private static let classifier = smsguard_classifier_new_default()

    func handle(
        _ queryRequest: ILMessageFilterQueryRequest,
        context: ILMessageFilterExtensionContext,
        completion: @escaping (ILMessageFilterQueryResponse) -> Void
    ) {
        let response = ILMessageFilterQueryResponse()
        response.action = .none
        guard let body = queryRequest.messageBody, let classifier = Self.classifier else {
            completion(response)
            return
        }
        var p = SmsguardPrediction()
        // Bytes and length of the UTF-8 text (not NUL-terminated on the Rust side).
        var utf8 = Array(body.utf8)
        let status = utf8.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                smsguard_classify(classifier, $0, buf.count, &p)
            }
        }
        guard status == SMSGUARD_OK else {
            completion(response)
            return
        }
        switch p.label {
        case SMSGUARD_MARKETING where p.fold:
            response.action = .promotion
            if #available(iOS 16.0, *) { response.subAction = .promotionalOthers }
        case SMSGUARD_TRANSACTIONAL:
            response.action = .transaction
            if #available(iOS 16.0, *) {
                response.subAction = p.pickup_code.present ? .transactionalOrders : .transactionalOthers
            }
        case SMSGUARD_VERIFICATION, SMSGUARD_PERSONAL:
            response.action = .allow
        default:
            break
        }
        completion(response)
    }
}

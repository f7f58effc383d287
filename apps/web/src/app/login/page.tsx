import type { Metadata } from "next";
import { Suspense } from "react";
import { LoginForm } from "../../components/login/login-form";

export const metadata: Metadata = { title: "Sign in" };

export default function LoginPage() {
  return (
    <main className="centered">
      <div className="card narrow">
        <p className="brand brand-large">Aula</p>
        <h1>Sign in</h1>
        {/* useSearchParams (for ?next=) needs a Suspense boundary in a prerendered page. */}
        <Suspense fallback={null}>
          <LoginForm />
        </Suspense>
      </div>
    </main>
  );
}
